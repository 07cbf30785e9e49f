package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/** {@code torch.nn.Linear}: {@code y = x Wᵀ + b} with {@code weight [out, in]}. */
public final class Linear extends Module {
    private final Tensor weight;
    private final Tensor bias;

    public Linear(Module parent, String name, long inFeatures, long outFeatures, boolean bias) {
        super(parent, name);
        this.weight = parameter("weight", outFeatures, inFeatures);
        this.bias = bias ? parameter("bias", outFeatures) : null;
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            return x.linear(weight, bias);
        }
    }
}
