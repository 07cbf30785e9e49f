package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/** diffusers' {@code Upsample2D} with a convolution: nearest-neighbour x2, then 3x3. */
public final class Upsample2D extends Module {
    private final Conv2d conv;

    public Upsample2D(Module parent, String name, long channels) {
        super(parent, name);
        conv = new Conv2d(this, "conv", channels, channels, 3, 1, 1);
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            return conv.forward(x.upsampleNearest2x());
        }
    }
}
