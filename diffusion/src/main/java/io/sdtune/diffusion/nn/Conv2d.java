package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/**
 * {@code torch.nn.Conv2d} with a square kernel, one stride and symmetric padding; with a LoCon branch when the
 * model's {@link Lora} adapts this convolution: {@code y += conv(conv(x, A, stride, padding), B)}, alpha = r.
 */
public final class Conv2d extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor loraA;
    private final Tensor loraB;
    private final int stride;
    private final int padding;

    public Conv2d(Module parent, String name, long in, long out, int kernel, int stride, int padding) {
        super(parent, name);
        this.weight = parameter("weight", out, in, kernel, kernel);
        this.bias = parameter("bias", out);
        boolean adapted = lora() != null && lora().adaptsConvolution(path());
        this.loraA = adapted ? parameter("lora_A.weight", lora().convRank(), in, kernel, kernel) : null;
        this.loraB = adapted ? parameter("lora_B.weight", out, lora().convRank(), 1, 1) : null;
        this.stride = stride;
        this.padding = padding;
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            Tensor y = x.conv2d(weight, bias, stride, padding);
            return loraA == null ? y : y.add(x.conv2d(loraA, null, stride, padding).conv2d(loraB, null, 1, 0));
        }
    }
}
