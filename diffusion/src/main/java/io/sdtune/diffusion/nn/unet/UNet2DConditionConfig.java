package io.sdtune.diffusion.nn.unet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.diffusion.nn.ConfigFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code config.json} of a diffusers {@code UNet2DConditionModel}, for the architectures of SD 1.x
 * and 2.x. {@code attentionHeads} is the number of heads per down block: SD's configs call it
 * {@code attention_head_dim}, which diffusers reads as the head count when {@code num_attention_heads}
 * is absent. SD 2.x sets {@code use_linear_projection}, heads per block of 64 channels each and, for 2.1,
 * {@code upcast_attention}.
 */
public record UNet2DConditionConfig(
        int sampleSize,
        int inChannels,
        int outChannels,
        boolean flipSinToCos,
        double freqShift,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int downsamplePadding,
        int normNumGroups,
        double normEps,
        int crossAttentionDim,
        List<Integer> attentionHeads,
        boolean useLinearProjection,
        boolean upcastAttention) {

    static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    static final String DOWN = "DownBlock2D";
    static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
    static final String UP = "UpBlock2D";

    public UNet2DConditionConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = List.copyOf(blockOutChannels);
        attentionHeads = List.copyOf(attentionHeads);
    }

    /** The time embedding width: four times the first block's channels. */
    public long timeEmbedDim() {
        return 4L * blockOutChannels.get(0);
    }

    /** Stable Diffusion 1.5's UNet. */
    public static UNet2DConditionConfig sd15() {
        return new UNet2DConditionConfig(64, 4, 4, true, 0,
                List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN),
                List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP),
                List.of(320, 640, 1280, 1280), 2, 1, 32, 1e-5, 768, List.of(8, 8, 8, 8), false, false);
    }

    /** Stable Diffusion 2.1's UNet (768 px, v-prediction): SD 1.5's blocks, 64-channel heads, linear projections. */
    public static UNet2DConditionConfig sd21() {
        return new UNet2DConditionConfig(96, 4, 4, true, 0,
                List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN),
                List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP),
                List.of(320, 640, 1280, 1280), 2, 1, 32, 1e-5, 1024, List.of(5, 10, 20, 20), true, true);
    }

    /** The same UNet for {@code sampleSize} latents a side (the size it was trained at: 64 for 512 px). */
    public UNet2DConditionConfig withSampleSize(int sampleSize) {
        return new UNet2DConditionConfig(sampleSize, inChannels, outChannels, flipSinToCos, freqShift, downBlockTypes,
                upBlockTypes, blockOutChannels, layersPerBlock, downsamplePadding, normNumGroups, normEps,
                crossAttentionDim, attentionHeads, useLinearProjection, upcastAttention);
    }

    /**
     * The world of shapes' UNet ({@code sd pretrain}): 16x16 latents (64 px), two cross-attention levels of 32 and 64
     * channels, four heads each: small enough to train on a CPU in minutes.
     */
    public static UNet2DConditionConfig world(int crossAttentionDim) {
        return new UNet2DConditionConfig(16, 4, 4, true, 0,
                List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN), List.of(CROSS_ATTN_UP, CROSS_ATTN_UP),
                List.of(32, 64), 1, 1, 32, 1e-5, crossAttentionDim, List.of(4, 4), false, false);
    }

    /** SD 1.5's block layout at a few channels: every block type, seconds on a CPU. */
    public static UNet2DConditionConfig tiny(int crossAttentionDim) {
        return new UNet2DConditionConfig(8, 4, 4, true, 0,
                List.of(CROSS_ATTN_DOWN, DOWN), List.of(UP, CROSS_ATTN_UP),
                List.of(32, 64), 1, 1, 8, 1e-5, crossAttentionDim, List.of(2, 2), false, false);
    }

    /** The tiny layout with SD 2.1's features: linear projections, a head count per block, upcast attention. */
    public static UNet2DConditionConfig tinySd2(int crossAttentionDim) {
        return new UNet2DConditionConfig(8, 4, 4, true, 0,
                List.of(CROSS_ATTN_DOWN, DOWN), List.of(UP, CROSS_ATTN_UP),
                List.of(32, 64), 1, 1, 8, 1e-5, crossAttentionDim, List.of(2, 4), true, true);
    }

    public static UNet2DConditionConfig read(ConfigFile f) {
        reject(f, Map.of("class_embed_type", "null", "addition_embed_type", "null", "encoder_hid_dim", "null"));
        if (!f.string("time_embedding_type", "positional").equals("positional")) {
            throw f.error("time_embedding_type", "\"positional\" (the only kind SD uses)", f.string("time_embedding_type", ""));
        }
        if (!f.string("resnet_time_scale_shift", "default").equals("default")) {
            throw f.error("resnet_time_scale_shift", "\"default\"", f.string("resnet_time_scale_shift", ""));
        }
        if (!f.string("act_fn", "silu").equals("silu")) {
            throw f.error("act_fn", "\"silu\"", f.string("act_fn", ""));
        }
        if (f.bool("only_cross_attention", false) || f.bool("dual_cross_attention", false)) {
            throw f.error("only_cross_attention", "false (as in SD 1.x and 2.x)", true);
        }
        if (f.integer("transformer_layers_per_block", 1) != 1) {
            throw f.error("transformer_layers_per_block", "1", f.integer("transformer_layers_per_block", 1));
        }
        List<String> down = f.strings("down_block_types", sd15().downBlockTypes());
        List<String> up = f.strings("up_block_types", sd15().upBlockTypes());
        checkTypes(f, "down_block_types", down, Set.of(CROSS_ATTN_DOWN, DOWN));
        checkTypes(f, "up_block_types", up, Set.of(CROSS_ATTN_UP, UP));
        if (!f.string("mid_block_type", "UNetMidBlock2DCrossAttn").equals("UNetMidBlock2DCrossAttn")) {
            throw f.error("mid_block_type", "\"UNetMidBlock2DCrossAttn\"", f.string("mid_block_type", ""));
        }
        List<Integer> channels = f.integers("block_out_channels", List.of(320, 640, 1280, 1280));
        if (down.size() != channels.size() || up.size() != channels.size()) {
            throw f.error("block_out_channels", "one entry per down and up block (" + down.size() + ")", channels);
        }
        List<Integer> heads = f.has("num_attention_heads")
                ? f.integerPerBlock("num_attention_heads", channels.size(), 8)
                : f.integerPerBlock("attention_head_dim", channels.size(), 8);
        int groups = f.integer("norm_num_groups", 32);
        for (int i = 0; i < channels.size(); i++) {
            if (channels.get(i) % groups != 0 || channels.get(i) % heads.get(i) != 0) {
                throw f.error("block_out_channels", "multiples of norm_num_groups (" + groups + ") and of the head count",
                        channels);
            }
        }
        return new UNet2DConditionConfig(
                f.integer("sample_size", 64),
                f.integer("in_channels", 4),
                f.integer("out_channels", 4),
                f.bool("flip_sin_to_cos", true),
                f.number("freq_shift", 0),
                down, up, channels,
                f.integer("layers_per_block", 2),
                f.integer("downsample_padding", 1),
                groups,
                f.number("norm_eps", 1e-5),
                f.integer("cross_attention_dim", 1280),
                heads,
                f.bool("use_linear_projection", false),
                f.bool("upcast_attention", false));
    }

    /** The config as diffusers writes it ({@code attention_head_dim} in SD's legacy meaning). */
    public String toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("_class_name", "UNet2DConditionModel");
        n.put("sample_size", sampleSize);
        n.put("in_channels", inChannels);
        n.put("out_channels", outChannels);
        n.put("flip_sin_to_cos", flipSinToCos);
        n.put("freq_shift", freqShift);
        downBlockTypes.forEach(n.putArray("down_block_types")::add);
        upBlockTypes.forEach(n.putArray("up_block_types")::add);
        n.put("mid_block_type", "UNetMidBlock2DCrossAttn");
        blockOutChannels.forEach(n.putArray("block_out_channels")::add);
        n.put("layers_per_block", layersPerBlock);
        n.put("downsample_padding", downsamplePadding);
        n.put("mid_block_scale_factor", 1);
        n.put("act_fn", "silu");
        n.put("norm_num_groups", normNumGroups);
        n.put("norm_eps", normEps);
        n.put("cross_attention_dim", crossAttentionDim);
        attentionHeads.forEach(n.putArray("attention_head_dim")::add);
        n.put("use_linear_projection", useLinearProjection);
        n.put("upcast_attention", upcastAttention);
        return n.toPrettyString();
    }

    private static void checkTypes(ConfigFile f, String key, List<String> types, Set<String> known) {
        List<String> unknown = new ArrayList<>(types);
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw f.error(key, "block types among " + known, types);
        }
    }

    private static void reject(ConfigFile f, Map<String, String> mustBeNull) {
        for (String key : mustBeNull.keySet()) {
            if (f.has(key)) {
                throw f.error(key, "null (SD 1.x/2.x UNets have no " + key + ")", "a value");
            }
        }
    }
}
