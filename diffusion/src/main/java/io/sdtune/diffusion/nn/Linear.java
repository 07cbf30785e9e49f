package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/**
 * {@code torch.nn.Linear}: {@code y = x Wᵀ + b} with {@code weight [out, in]}; with a LoRA branch when the
 * model's {@link Lora} targets this layer: {@code y += (α/r) · (x Aᵀ) Bᵀ}.
 */
public final class Linear extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor loraA;
    private final Tensor loraB;

    public Linear(Module parent, String name, long inFeatures, long outFeatures, boolean bias) {
        super(parent, name);
        this.weight = parameter("weight", outFeatures, inFeatures);
        this.bias = bias ? parameter("bias", outFeatures) : null;
        boolean adapted = lora() != null && lora().targets().test(path());
        this.loraA = adapted ? parameter("lora_A.weight", lora().rank(), inFeatures) : null;
        this.loraB = adapted ? parameter("lora_B.weight", outFeatures, lora().rank()) : null;
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            Tensor y = x.linear(weight, bias);
            return loraA == null ? y : y.add(x.linear(loraA, null).linear(loraB, null).mul(lora().scale()));
        }
    }
}
