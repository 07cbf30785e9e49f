package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/**
 * {@code torch.nn.Linear}: {@code y = x Wᵀ + b} with {@code weight [out, in]}; with a LoRA branch when the
 * model's {@link Lora} targets this layer: {@code y += (α/r) · (x Aᵀ) Bᵀ}, per sample when the branch is
 * ({@code x [n, tokens, in]} or {@code [n, in]}, each sample times its own {@code A} and {@code B}: two batched
 * matmuls).
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
        int n = adapted ? lora().batch() : 0;
        this.loraA = !adapted ? null : n == 0 ? parameter("lora_A.weight", lora().rank(), inFeatures)
                : parameter("lora_A.weight", n, lora().rank(), inFeatures);
        this.loraB = !adapted ? null : n == 0 ? parameter("lora_B.weight", outFeatures, lora().rank())
                : parameter("lora_B.weight", n, outFeatures, lora().rank());
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            Tensor y = x.linear(weight, bias);
            if (loraA == null) {
                return y;
            }
            if (lora().batch() == 0) {
                return y.add(x.linear(loraA, null).linear(loraB, null).mul(lora().scale()));
            }
            // Per sample: x [n, tokens, in], or [n, in] (the time embedding) taken as one token.
            boolean flat = x.shape().rank() == 2;
            Tensor tokens = flat ? x.reshape(x.shape().dim(0), 1, x.shape().dim(1)) : x;
            Tensor branch = tokens.matmul(loraA.transpose(0, 2, 1)).matmul(loraB.transpose(0, 2, 1));
            return y.add((flat ? branch.reshape(y.shape()) : branch).mul(lora().scale()));
        }
    }
}
