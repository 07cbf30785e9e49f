package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of Stable Diffusion's original single-file checkpoints (CompVis' latent-diffusion code,
 * "LDM"), computed from the diffusers names. UNet keys live under {@code model.diffusion_model.}, the
 * VAE's under {@code first_stage_model.}, the text encoder's under {@code cond_stage_model.transformer.} (SD 1.x's
 * OpenAI CLIP, in transformers' names) or {@code cond_stage_model.model.} (SD 2.x's OpenCLIP, in its own names,
 * {@link #openClip}).
 * The UNet's LDM blocks are numbered sequentially ({@code input_blocks.N}, {@code output_blocks.N}),
 * so the mapping depends on {@code layers_per_block} and the block types.
 */
public final class LdmKeys {
    public static final String UNET_PREFIX = "model.diffusion_model.";
    public static final String VAE_PREFIX = "first_stage_model.";
    public static final String TEXT_ENCODER_PREFIX = "cond_stage_model.transformer.";
    public static final String OPEN_CLIP_PREFIX = "cond_stage_model.model.";

    private static final Pattern DOWN = Pattern.compile("down_blocks\\.(\\d+)\\.(resnets|attentions|downsamplers)\\.(\\d+)\\.(.+)");
    private static final Pattern UP = Pattern.compile("up_blocks\\.(\\d+)\\.(resnets|attentions|upsamplers)\\.(\\d+)\\.(.+)");
    private static final Pattern MID = Pattern.compile("mid_block\\.(resnets|attentions)\\.(\\d+)\\.(.+)");
    private static final Pattern VAE_LEVEL = Pattern.compile("(encoder|decoder)\\.(down|up)_blocks\\.(\\d+)\\.(resnets|downsamplers|upsamplers)\\.(\\d+)\\.(.+)");
    private static final Pattern CLIP_LAYER = Pattern.compile("text_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern CLIP_QKV = Pattern.compile("self_attn\\.([qkv])_proj\\.(weight|bias)");
    private static final Pattern VAE_MID = Pattern.compile("(encoder|decoder)\\.mid_block\\.(resnets|attentions)\\.(\\d+)\\.(.+)");

    private LdmKeys() {
    }

    /** The LDM key of a diffusers UNet key. */
    public static String unet(String key, UNet2DConditionConfig c) {
        return UNET_PREFIX + unetBody(key, c);
    }

    /** The LDM key of a diffusers VAE key. */
    public static String vae(String key, AutoencoderKLConfig c) {
        return VAE_PREFIX + vaeBody(key, c);
    }

    /** The LDM key of a transformers CLIP text-model key ({@code text_model.*}). */
    public static String textEncoder(String key) {
        return TEXT_ENCODER_PREFIX + key;
    }

    /**
     * Where SD 2.x's OpenCLIP text encoder keeps a transformers CLIP text-model tensor: its key and, for the q, k and
     * v projections, which third (0, 1, 2) of the fused {@code attn.in_proj_weight}/{@code in_proj_bias} it is
     * ({@code -1}: all of the stored tensor).
     */
    public record OpenClipKey(String key, int third) {
    }

    /** The OpenCLIP key of a transformers CLIP text-model key ({@code text_model.*}). */
    public static OpenClipKey openClip(String key) {
        Matcher m = CLIP_LAYER.matcher(key);
        if (m.matches()) {
            String block = OPEN_CLIP_PREFIX + "transformer.resblocks." + m.group(1) + ".";
            Matcher qkv = CLIP_QKV.matcher(m.group(2));
            if (qkv.matches()) {
                return new OpenClipKey(block + "attn.in_proj_" + qkv.group(2), "qkv".indexOf(qkv.group(1)));
            }
            return new OpenClipKey(block + m.group(2).replaceFirst("^self_attn\\.out_proj\\.", "attn.out_proj.")
                    .replaceFirst("^layer_norm1\\.", "ln_1.").replaceFirst("^layer_norm2\\.", "ln_2.")
                    .replaceFirst("^mlp\\.fc1\\.", "mlp.c_fc.").replaceFirst("^mlp\\.fc2\\.", "mlp.c_proj."), -1);
        }
        return new OpenClipKey(OPEN_CLIP_PREFIX + switch (key) {
            case "text_model.embeddings.token_embedding.weight" -> "token_embedding.weight";
            case "text_model.embeddings.position_embedding.weight" -> "positional_embedding";
            default -> key.replaceFirst("^text_model\\.final_layer_norm\\.", "ln_final.");
        }, -1);
    }

    /**
     * Whether the VAE tensor is one of the mid-block attention projections, which LDM stores as 1x1
     * convolutions {@code [C, C, 1, 1]} and diffusers as linear weights {@code [C, C]}.
     */
    public static boolean isVaeAttentionProjection(String key) {
        return key.matches("(encoder|decoder)\\.mid_block\\.attentions\\.0\\.(to_q|to_k|to_v|to_out\\.0)\\.weight");
    }

    private static String unetBody(String key, UNet2DConditionConfig c) {
        int perBlock = c.layersPerBlock() + 1;
        Matcher m;
        if ((m = DOWN.matcher(key)).matches()) {
            int block = Integer.parseInt(m.group(1));
            int layer = Integer.parseInt(m.group(3));
            int first = 1 + block * perBlock;
            return switch (m.group(2)) {
                case "resnets" -> "input_blocks." + (first + layer) + ".0." + resnet(m.group(4));
                case "attentions" -> "input_blocks." + (first + layer) + ".1." + m.group(4);
                default -> "input_blocks." + (first + c.layersPerBlock()) + ".0.op." + m.group(4).replaceFirst("^conv\\.", "");
            };
        }
        if ((m = UP.matcher(key)).matches()) {
            int block = Integer.parseInt(m.group(1));
            int layer = Integer.parseInt(m.group(3));
            int first = block * perBlock;
            boolean attention = c.upBlockTypes().get(block).startsWith("CrossAttn");
            return switch (m.group(2)) {
                case "resnets" -> "output_blocks." + (first + layer) + ".0." + resnet(m.group(4));
                case "attentions" -> "output_blocks." + (first + layer) + ".1." + m.group(4);
                default -> "output_blocks." + (first + c.layersPerBlock()) + "." + (attention ? 2 : 1) + "." + m.group(4);
            };
        }
        if ((m = MID.matcher(key)).matches()) {
            int index = m.group(1).equals("attentions") ? 1 : 2 * Integer.parseInt(m.group(2));
            return "middle_block." + index + "." + (m.group(1).equals("resnets") ? resnet(m.group(3)) : m.group(3));
        }
        return key.replaceFirst("^time_embedding\\.linear_1\\.", "time_embed.0.")
                .replaceFirst("^time_embedding\\.linear_2\\.", "time_embed.2.")
                .replaceFirst("^conv_in\\.", "input_blocks.0.0.")
                .replaceFirst("^conv_norm_out\\.", "out.0.")
                .replaceFirst("^conv_out\\.", "out.2.");
    }

    private static String resnet(String rest) {
        return rest.replaceFirst("^norm1\\.", "in_layers.0.")
                .replaceFirst("^conv1\\.", "in_layers.2.")
                .replaceFirst("^time_emb_proj\\.", "emb_layers.1.")
                .replaceFirst("^norm2\\.", "out_layers.0.")
                .replaceFirst("^conv2\\.", "out_layers.3.")
                .replaceFirst("^conv_shortcut\\.", "skip_connection.");
    }

    private static String vaeBody(String key, AutoencoderKLConfig c) {
        Matcher m;
        if ((m = VAE_LEVEL.matcher(key)).matches()) {
            int level = Integer.parseInt(m.group(3));
            boolean decoder = m.group(1).equals("decoder");
            String prefix = m.group(1) + "." + m.group(2) + "." + (decoder ? c.blockOutChannels().size() - 1 - level : level);
            return switch (m.group(4)) {
                case "resnets" -> prefix + ".block." + m.group(5) + "." + m.group(6).replaceFirst("^conv_shortcut\\.", "nin_shortcut.");
                case "downsamplers" -> prefix + ".downsample." + m.group(6);
                default -> prefix + ".upsample." + m.group(6);
            };
        }
        if ((m = VAE_MID.matcher(key)).matches()) {
            String mid = m.group(1) + ".mid.";
            if (m.group(2).equals("resnets")) {
                return mid + "block_" + (Integer.parseInt(m.group(3)) + 1) + "." + m.group(4);
            }
            return mid + "attn_1." + m.group(4).replaceFirst("^group_norm\\.", "norm.").replaceFirst("^to_q\\.", "q.")
                    .replaceFirst("^to_k\\.", "k.").replaceFirst("^to_v\\.", "v.").replaceFirst("^to_out\\.0\\.", "proj_out.");
        }
        return key.replaceFirst("^(encoder|decoder)\\.conv_norm_out\\.", "$1.norm_out.");
    }
}
