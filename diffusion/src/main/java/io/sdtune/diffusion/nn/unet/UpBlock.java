package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import io.sdtune.diffusion.nn.Upsample2D;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A block of the UNet's up path: diffusers' {@code CrossAttnUpBlock2D} or, without attention,
 * {@code UpBlock2D}. Each ResNet takes the previous output concatenated with the most recent skip
 * connection; an optional {@code upsamplers.0} doubles the resolution at the end.
 */
final class UpBlock extends Module {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final Upsample2D upsampler;

    /**
     * @param prevOut channels coming from the block below; {@code out} this block's channels;
     *        {@code in} the channels of the matching down block's input (the deepest skip)
     */
    UpBlock(Module parent, String name, UNet2DConditionConfig c, int index, long prevOut, long out, long in,
            boolean crossAttention, int heads) {
        super(parent, name);
        int layers = c.layersPerBlock() + 1;
        for (int j = 0; j < layers; j++) {
            long skip = j == layers - 1 ? in : out;
            long resIn = j == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(this, "resnets." + j, resIn + skip, out, c.timeEmbedDim(), c.normNumGroups(),
                    c.normEps()));
            if (crossAttention) {
                attentions.add(new Transformer2DModel(this, "attentions." + j, out, heads, c));
            }
        }
        boolean last = index == c.blockOutChannels().size() - 1;
        upsampler = last ? null : new Upsample2D(this, "upsamplers.0", out);
    }

    Tensor forward(Tensor h, Tensor temb, Tensor context, Deque<Tensor> skips) {
        try (var scope = enter()) {
            for (int j = 0; j < resnets.size(); j++) {
                h = resnets.get(j).forward(Tensor.concat(1, List.of(h, skips.removeLast())), temb);
                if (!attentions.isEmpty()) {
                    h = attentions.get(j).forward(h, context);
                }
            }
            return upsampler == null ? h : upsampler.forward(h);
        }
    }
}
