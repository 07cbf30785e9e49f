package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;

/** diffusers' {@code UNetMidBlock2DCrossAttn}: ResNet, transformer, ResNet at the lowest resolution. */
final class UNetMidBlock2DCrossAttn extends Module {
    private final ResnetBlock2D resnet0;
    private final Transformer2DModel attention;
    private final ResnetBlock2D resnet1;

    UNetMidBlock2DCrossAttn(Module parent, String name, UNet2DConditionConfig c) {
        super(parent, name);
        long channels = c.blockOutChannels().get(c.blockOutChannels().size() - 1);
        int heads = c.attentionHeads().get(c.attentionHeads().size() - 1);
        resnet0 = UNetBlocks.resnet(this, "resnets.0", c, channels, channels);
        attention = new Transformer2DModel(this, "attentions.0", channels, heads, c);
        resnet1 = UNetBlocks.resnet(this, "resnets.1", c, channels, channels);
    }

    Tensor forward(Tensor h, Tensor temb, Tensor context) {
        try (var scope = enter()) {
            return resnet1.forward(attention.forward(resnet0.forward(h, temb), context), temb);
        }
    }
}
