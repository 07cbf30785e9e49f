package io.sdtune.diffusion.nn.vae;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Attention;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;

/** diffusers' {@code UNetMidBlock2D} as the VAE has it: ResNet, single-head spatial self-attention, ResNet. */
final class UNetMidBlock2D extends Module {
    private final ResnetBlock2D resnet0;
    private final Attention attention;
    private final ResnetBlock2D resnet1;

    UNetMidBlock2D(Module parent, String name, long channels, int groups) {
        super(parent, name);
        resnet0 = new ResnetBlock2D(this, "resnets.0", channels, channels, 0, groups, AutoencoderKL.EPS);
        attention = new Attention(this, "attentions.0", channels, channels, 1, channels, true, groups, AutoencoderKL.EPS,
                false);
        resnet1 = new ResnetBlock2D(this, "resnets.1", channels, channels, 0, groups, AutoencoderKL.EPS);
    }

    Tensor forward(Tensor h) {
        try (var scope = enter()) {
            return resnet1.forward(attention.forwardSpatial(resnet0.forward(h, null)), null);
        }
    }
}
