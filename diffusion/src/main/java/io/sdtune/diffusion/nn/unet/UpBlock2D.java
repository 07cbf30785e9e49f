package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import io.sdtune.diffusion.nn.Upsample2D;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' {@code UpBlock2D}: {@code layers_per_block + 1} ResNets, each on the previous output concatenated with
 * the most recent skip connection, then an optional {@code upsamplers.0}.
 */
final class UpBlock2D extends Module implements UpBlock {
    private final List<ResnetBlock2D> resnets;
    private final Upsample2D upsampler;

    /** As {@link UNetBlocks#up}. */
    UpBlock2D(Module parent, String name, UNet2DConditionConfig c, long prevOut, long out, long in, boolean addUpsample) {
        super(parent, name);
        int layers = c.layersPerBlock() + 1;
        resnets = UNetBlocks.layers(this, c, layers, j -> j == 0 ? prevOut : out, j -> j == layers - 1 ? in : out, out, 0)
                .resnets();
        upsampler = addUpsample ? new Upsample2D(this, "upsamplers.0", out) : null;
    }

    @Override
    public Tensor forward(Tensor h, Tensor temb, Tensor context, Deque<Tensor> skips) {
        try (var scope = enter()) {
            for (ResnetBlock2D resnet : resnets) {
                h = resnet.forward(Tensor.concat(1, List.of(h, skips.removeLast())), temb);
            }
            return upsampler == null ? h : upsampler.forward(h);
        }
    }
}
