package io.sdtune.diffusion.nn.vae;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import io.sdtune.diffusion.nn.Upsample2D;
import java.util.List;

/** diffusers' {@code UpDecoderBlock2D}: one ResNet more than an encoder block, then an up-sample. */
final class UpDecoderBlock2D extends Module {
    private final List<ResnetBlock2D> resnets;
    private final Upsample2D upsampler;

    UpDecoderBlock2D(Module parent, String name, AutoencoderKLConfig c, long in, long out, boolean addUpsample) {
        super(parent, name);
        resnets = AutoencoderKL.resnets(this, c, c.layersPerBlock() + 1, in, out);
        upsampler = addUpsample ? new Upsample2D(this, "upsamplers.0", out) : null;
    }

    Tensor forward(Tensor h) {
        try (var scope = enter()) {
            h = AutoencoderKL.forward(resnets, h);
            return upsampler == null ? h : upsampler.forward(h);
        }
    }
}
