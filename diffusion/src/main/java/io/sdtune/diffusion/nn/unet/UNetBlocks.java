package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Downsample2D;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * The block-type factory, as diffusers' {@code get_down_block}, {@code get_up_block} and {@code get_mid_block}
 * ({@code unet_2d_blocks.py}): the class each name of {@code down_block_types}, {@code up_block_types} and
 * {@code mid_block_type} stands for, built with its place's channels; and what the block classes share.
 */
final class UNetBlocks {
    private UNetBlocks() {
    }

    /** Down block {@code index} of the config, from {@code in} to {@code out} channels. */
    static DownBlock down(Module parent, String name, UNet2DConditionConfig c, int index, long in, long out) {
        String type = c.downBlockTypes().get(index);
        boolean addDownsample = index < c.blockOutChannels().size() - 1;
        return switch (type) {
            case UNet2DConditionConfig.CROSS_ATTN_DOWN -> new CrossAttnDownBlock2D(parent, name, c, in, out,
                    c.attentionHeads().get(index), addDownsample);
            case UNet2DConditionConfig.DOWN -> new DownBlock2D(parent, name, c, in, out, addDownsample);
            default -> throw new IllegalArgumentException("unknown down block type " + type);
        };
    }

    /**
     * Up block {@code index} of the config: {@code prevOut} channels from the block below, {@code out} its own,
     * {@code in} those of the matching down block's input (its deepest skip).
     */
    static UpBlock up(Module parent, String name, UNet2DConditionConfig c, int index, long prevOut, long out, long in) {
        String type = c.upBlockTypes().get(index);
        int blocks = c.blockOutChannels().size();
        boolean addUpsample = index < blocks - 1;
        return switch (type) {
            case UNet2DConditionConfig.CROSS_ATTN_UP -> new CrossAttnUpBlock2D(parent, name, c, prevOut, out, in,
                    c.attentionHeads().get(blocks - 1 - index), addUpsample);
            case UNet2DConditionConfig.UP -> new UpBlock2D(parent, name, c, prevOut, out, in, addUpsample);
            default -> throw new IllegalArgumentException("unknown up block type " + type);
        };
    }

    /** The mid block ({@code mid_block_type}: SD's only, {@code UNetMidBlock2DCrossAttn}). */
    static UNetMidBlock2DCrossAttn mid(Module parent, String name, UNet2DConditionConfig c) {
        return new UNetMidBlock2DCrossAttn(parent, name, c);
    }

    /** A block's ResNets and, in cross-attention blocks, the transformer after each. */
    record Layers(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions) {
    }

    /**
     * Declares {@code count} layers {@code resnets.j} (input {@code in(j) + skip(j)} channels, output {@code out}) and,
     * with {@code heads > 0}, {@code attentions.j} after each, in that order (the order of the weights).
     */
    static Layers layers(Module block, UNet2DConditionConfig c, int count, IntToLongFunction in, IntToLongFunction skip,
            long out, int heads) {
        List<ResnetBlock2D> resnets = new ArrayList<>();
        List<Transformer2DModel> attentions = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            resnets.add(resnet(block, "resnets." + j, c, in.applyAsLong(j) + skip.applyAsLong(j), out));
            if (heads > 0) {
                attentions.add(new Transformer2DModel(block, "attentions." + j, out, heads, c));
            }
        }
        return new Layers(List.copyOf(resnets), List.copyOf(attentions));
    }

    static ResnetBlock2D resnet(Module block, String name, UNet2DConditionConfig c, long in, long out) {
        return new ResnetBlock2D(block, name, in, out, c.timeEmbedDim(), c.normNumGroups(), c.normEps());
    }

    /** {@code h} through the down-sampler, its output a skip too; {@code h} itself without one. */
    static Tensor downsample(Downsample2D downsampler, Tensor h, List<Tensor> skips) {
        if (downsampler == null) {
            return h;
        }
        Tensor down = downsampler.forward(h);
        skips.add(down);
        return down;
    }
}
