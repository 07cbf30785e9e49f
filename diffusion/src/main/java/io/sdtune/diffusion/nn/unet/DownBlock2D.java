package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Downsample2D;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import java.util.List;

/** diffusers' {@code DownBlock2D}: {@code layers_per_block} ResNets, then an optional strided {@code downsamplers.0}. */
final class DownBlock2D extends Module implements DownBlock {
    private final List<ResnetBlock2D> resnets;
    private final Downsample2D downsampler;

    DownBlock2D(Module parent, String name, UNet2DConditionConfig c, long in, long out, boolean addDownsample) {
        super(parent, name);
        resnets = UNetBlocks.layers(this, c, c.layersPerBlock(), j -> j == 0 ? in : out, j -> 0, out, 0).resnets();
        downsampler = addDownsample ? new Downsample2D(this, "downsamplers.0", out, c.downsamplePadding()) : null;
    }

    @Override
    public Tensor forward(Tensor h, Tensor temb, Tensor context, List<Tensor> skips) {
        try (var scope = enter()) {
            for (ResnetBlock2D resnet : resnets) {
                h = resnet.forward(h, temb);
                skips.add(h);
            }
            return UNetBlocks.downsample(downsampler, h, skips);
        }
    }
}
