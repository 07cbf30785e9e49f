package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/**
 * diffusers' {@code Downsample2D} with a convolution: 3x3, stride 2. With {@code padding = 0} (the
 * VAE encoder) the input is first padded by one on the right and bottom only, as diffusers does.
 */
public final class Downsample2D extends Module {
    private final Conv2d conv;
    private final int padding;

    public Downsample2D(Module parent, String name, long channels, int padding) {
        super(parent, name);
        this.padding = padding;
        conv = new Conv2d(this, "conv", channels, channels, 3, 2, padding);
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            return conv.forward(padding == 0 ? x.pad(0, 0, 0, 0, 0, 0, 1, 1) : x);
        }
    }
}
