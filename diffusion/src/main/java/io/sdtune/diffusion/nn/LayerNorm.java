package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/** {@code torch.nn.LayerNorm} over the last axis. */
public final class LayerNorm extends Module {
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    public LayerNorm(Module parent, String name, long dim, double eps) {
        super(parent, name);
        this.eps = eps;
        this.weight = parameter("weight", dim);
        this.bias = parameter("bias", dim);
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            return x.layerNorm(weight, bias, eps);
        }
    }
}
