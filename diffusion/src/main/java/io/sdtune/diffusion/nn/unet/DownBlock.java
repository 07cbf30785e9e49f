package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Downsample2D;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import java.util.ArrayList;
import java.util.List;

/**
 * A block of the UNet's down path: diffusers' {@code CrossAttnDownBlock2D} (each ResNet followed by a
 * {@link Transformer2DModel}) or, without attention, {@code DownBlock2D}; then an optional strided
 * {@code downsamplers.0}. Every intermediate output is kept as a skip connection for the up path.
 */
final class DownBlock extends Module {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final Downsample2D downsampler;

    DownBlock(Module parent, String name, UNet2DConditionConfig c, int index, long in, long out, boolean crossAttention) {
        super(parent, name);
        for (int j = 0; j < c.layersPerBlock(); j++) {
            resnets.add(new ResnetBlock2D(this, "resnets." + j, j == 0 ? in : out, out, c.timeEmbedDim(), c.normNumGroups(),
                    c.normEps()));
            if (crossAttention) {
                attentions.add(new Transformer2DModel(this, "attentions." + j, out, c.attentionHeads().get(index), c));
            }
        }
        boolean last = index == c.blockOutChannels().size() - 1;
        downsampler = last ? null : new Downsample2D(this, "downsamplers.0", out, c.downsamplePadding());
    }

    Tensor forward(Tensor h, Tensor temb, Tensor context, List<Tensor> skips) {
        try (var scope = enter()) {
            for (int j = 0; j < resnets.size(); j++) {
                h = resnets.get(j).forward(h, temb);
                if (!attentions.isEmpty()) {
                    h = attentions.get(j).forward(h, context);
                }
                skips.add(h);
            }
            if (downsampler != null) {
                h = downsampler.forward(h);
                skips.add(h);
            }
            return h;
        }
    }
}
