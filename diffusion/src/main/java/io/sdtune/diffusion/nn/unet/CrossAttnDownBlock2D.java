package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Downsample2D;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import java.util.List;

/**
 * diffusers' {@code CrossAttnDownBlock2D}: {@code layers_per_block} pairs of a ResNet and a
 * {@link Transformer2DModel} attending to the text, then an optional strided {@code downsamplers.0}.
 */
final class CrossAttnDownBlock2D extends Module implements DownBlock {
    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;
    private final Downsample2D downsampler;

    CrossAttnDownBlock2D(Module parent, String name, UNet2DConditionConfig c, long in, long out, int heads,
            boolean addDownsample) {
        super(parent, name);
        UNetBlocks.Layers layers = UNetBlocks.layers(this, c, c.layersPerBlock(), j -> j == 0 ? in : out, j -> 0, out,
                heads);
        resnets = layers.resnets();
        attentions = layers.attentions();
        downsampler = addDownsample ? new Downsample2D(this, "downsamplers.0", out, c.downsamplePadding()) : null;
    }

    @Override
    public Tensor forward(Tensor h, Tensor temb, Tensor context, List<Tensor> skips) {
        try (var scope = enter()) {
            for (int j = 0; j < resnets.size(); j++) {
                h = attentions.get(j).forward(resnets.get(j).forward(h, temb), context);
                skips.add(h);
            }
            return UNetBlocks.downsample(downsampler, h, skips);
        }
    }
}
