package io.sdtune.diffusion.nn.vae;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Conv2d;
import io.sdtune.diffusion.nn.GroupNorm;
import io.sdtune.diffusion.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' VAE {@code Decoder}: {@code conv_in}, the {@link UNetMidBlock2D}, an {@link UpDecoderBlock2D} per
 * {@code block_out_channels} entry from the widest, then group norm, SiLU and {@code conv_out} to the image channels.
 */
final class Decoder extends Module {
    private final Conv2d convIn;
    private final UNetMidBlock2D midBlock;
    private final List<UpDecoderBlock2D> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Decoder(Module parent, String name, AutoencoderKLConfig c) {
        super(parent, name);
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        convIn = new Conv2d(this, "conv_in", c.latentChannels(), ch.get(n - 1), 3, 1, 1);
        midBlock = new UNetMidBlock2D(this, "mid_block", ch.get(n - 1), c.normNumGroups());
        long prev = ch.get(n - 1);
        for (int i = 0; i < n; i++) {
            long out = ch.get(n - 1 - i);
            upBlocks.add(new UpDecoderBlock2D(this, "up_blocks." + i, c, prev, out, i < n - 1));
            prev = out;
        }
        convNormOut = new GroupNorm(this, "conv_norm_out", c.normNumGroups(), ch.get(0), AutoencoderKL.EPS);
        convOut = new Conv2d(this, "conv_out", ch.get(0), c.outChannels(), 3, 1, 1);
    }

    Tensor forward(Tensor latents) {
        try (var scope = enter()) {
            Tensor h = midBlock.forward(convIn.forward(latents));
            for (UpDecoderBlock2D block : upBlocks) {
                h = block.forward(h);
            }
            return convOut.forward(convNormOut.forwardSilu(h));
        }
    }
}
