package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/** {@code torch.nn.Conv2d} with a square kernel, one stride and symmetric padding. */
public final class Conv2d extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final int stride;
    private final int padding;

    public Conv2d(Module parent, String name, long in, long out, int kernel, int stride, int padding) {
        super(parent, name);
        this.weight = parameter("weight", out, in, kernel, kernel);
        this.bias = parameter("bias", out);
        this.stride = stride;
        this.padding = padding;
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            return x.conv2d(weight, bias, stride, padding);
        }
    }
}
