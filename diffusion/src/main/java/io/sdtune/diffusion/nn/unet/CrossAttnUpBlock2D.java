package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import io.sdtune.diffusion.nn.Upsample2D;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' {@code CrossAttnUpBlock2D}: {@code layers_per_block + 1} pairs of a ResNet (on the previous output
 * concatenated with the most recent skip connection) and a {@link Transformer2DModel}, then an optional
 * {@code upsamplers.0}.
 */
final class CrossAttnUpBlock2D extends Module implements UpBlock {
    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;
    private final Upsample2D upsampler;

    /** As {@link UNetBlocks#up}. */
    CrossAttnUpBlock2D(Module parent, String name, UNet2DConditionConfig c, long prevOut, long out, long in, int heads,
            boolean addUpsample) {
        super(parent, name);
        int layers = c.layersPerBlock() + 1;
        UNetBlocks.Layers pairs = UNetBlocks.layers(this, c, layers, j -> j == 0 ? prevOut : out,
                j -> j == layers - 1 ? in : out, out, heads);
        resnets = pairs.resnets();
        attentions = pairs.attentions();
        upsampler = addUpsample ? new Upsample2D(this, "upsamplers.0", out) : null;
    }

    @Override
    public Tensor forward(Tensor h, Tensor temb, Tensor context, Deque<Tensor> skips) {
        try (var scope = enter()) {
            for (int j = 0; j < resnets.size(); j++) {
                h = resnets.get(j).forward(Tensor.concat(1, List.of(h, skips.removeLast())), temb);
                h = attentions.get(j).forward(h, context);
            }
            return upsampler == null ? h : upsampler.forward(h);
        }
    }
}
