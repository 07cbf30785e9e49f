package io.sdtune.diffusion.nn.vae;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Downsample2D;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import java.util.List;

/** diffusers' {@code DownEncoderBlock2D}: ResNets without time embedding, then a padded strided down-sample. */
final class DownEncoderBlock2D extends Module {
    private final List<ResnetBlock2D> resnets;
    private final Downsample2D downsampler;

    DownEncoderBlock2D(Module parent, String name, AutoencoderKLConfig c, long in, long out, boolean addDownsample) {
        super(parent, name);
        resnets = AutoencoderKL.resnets(this, c, c.layersPerBlock(), in, out);
        downsampler = addDownsample ? new Downsample2D(this, "downsamplers.0", out, 0) : null;
    }

    Tensor forward(Tensor h) {
        try (var scope = enter()) {
            h = AutoencoderKL.forward(resnets, h);
            return downsampler == null ? h : downsampler.forward(h);
        }
    }
}
