package io.sdtune.diffusion.nn.vae;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Conv2d;
import io.sdtune.diffusion.nn.GroupNorm;
import io.sdtune.diffusion.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' VAE {@code Encoder}: {@code conv_in}, a {@link DownEncoderBlock2D} per {@code block_out_channels}
 * entry, the {@link UNetMidBlock2D}, then group norm, SiLU and {@code conv_out} to twice the latent channels (the
 * posterior's mean and log-variance).
 */
final class Encoder extends Module {
    private final Conv2d convIn;
    private final List<DownEncoderBlock2D> downBlocks = new ArrayList<>();
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Encoder(Module parent, String name, AutoencoderKLConfig c) {
        super(parent, name);
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        convIn = new Conv2d(this, "conv_in", c.inChannels(), ch.get(0), 3, 1, 1);
        long out = ch.get(0);
        for (int i = 0; i < n; i++) {
            long in = out;
            out = ch.get(i);
            downBlocks.add(new DownEncoderBlock2D(this, "down_blocks." + i, c, in, out, i < n - 1));
        }
        midBlock = new UNetMidBlock2D(this, "mid_block", ch.get(n - 1), c.normNumGroups());
        convNormOut = new GroupNorm(this, "conv_norm_out", c.normNumGroups(), ch.get(n - 1), AutoencoderKL.EPS);
        convOut = new Conv2d(this, "conv_out", ch.get(n - 1), 2L * c.latentChannels(), 3, 1, 1);
    }

    Tensor forward(Tensor images) {
        try (var scope = enter()) {
            Tensor h = convIn.forward(images);
            for (DownEncoderBlock2D block : downBlocks) {
                h = block.forward(h);
            }
            return convOut.forward(convNormOut.forwardSilu(midBlock.forward(h)));
        }
    }
}
