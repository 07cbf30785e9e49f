package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Known key pairs of SD 1.5's original checkpoint and its diffusers conversion. */
class LdmKeysTest {
    private static final UNet2DConditionConfig UNET = UNet2DConditionConfig.sd15();
    private static final AutoencoderKLConfig VAE = AutoencoderKLConfig.sd15();

    @Test
    void unetKeysFollowTheSequentialBlockNumbering() {
        assertThat(LdmKeys.unet("conv_in.weight", UNET)).isEqualTo("model.diffusion_model.input_blocks.0.0.weight");
        assertThat(LdmKeys.unet("time_embedding.linear_2.bias", UNET)).isEqualTo("model.diffusion_model.time_embed.2.bias");
        assertThat(LdmKeys.unet("down_blocks.1.resnets.0.conv_shortcut.weight", UNET))
                .isEqualTo("model.diffusion_model.input_blocks.4.0.skip_connection.weight");
        assertThat(LdmKeys.unet("down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight", UNET))
                .isEqualTo("model.diffusion_model.input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight");
        assertThat(LdmKeys.unet("down_blocks.2.downsamplers.0.conv.bias", UNET))
                .isEqualTo("model.diffusion_model.input_blocks.9.0.op.bias");
        assertThat(LdmKeys.unet("mid_block.resnets.1.time_emb_proj.weight", UNET))
                .isEqualTo("model.diffusion_model.middle_block.2.emb_layers.1.weight");
        assertThat(LdmKeys.unet("mid_block.attentions.0.proj_out.weight", UNET))
                .isEqualTo("model.diffusion_model.middle_block.1.proj_out.weight");
        assertThat(LdmKeys.unet("up_blocks.0.upsamplers.0.conv.weight", UNET))
                .isEqualTo("model.diffusion_model.output_blocks.2.1.conv.weight");
        assertThat(LdmKeys.unet("up_blocks.1.upsamplers.0.conv.weight", UNET))
                .isEqualTo("model.diffusion_model.output_blocks.5.2.conv.weight");
        assertThat(LdmKeys.unet("up_blocks.3.resnets.2.norm2.weight", UNET))
                .isEqualTo("model.diffusion_model.output_blocks.11.0.out_layers.0.weight");
        assertThat(LdmKeys.unet("conv_out.bias", UNET)).isEqualTo("model.diffusion_model.out.2.bias");
    }

    @Test
    void vaeKeysReverseTheDecoderLevels() {
        assertThat(LdmKeys.vae("encoder.down_blocks.1.resnets.0.conv_shortcut.weight", VAE))
                .isEqualTo("first_stage_model.encoder.down.1.block.0.nin_shortcut.weight");
        assertThat(LdmKeys.vae("decoder.up_blocks.0.upsamplers.0.conv.weight", VAE))
                .isEqualTo("first_stage_model.decoder.up.3.upsample.conv.weight");
        assertThat(LdmKeys.vae("encoder.mid_block.attentions.0.to_out.0.bias", VAE))
                .isEqualTo("first_stage_model.encoder.mid.attn_1.proj_out.bias");
        assertThat(LdmKeys.vae("decoder.mid_block.resnets.1.norm2.weight", VAE))
                .isEqualTo("first_stage_model.decoder.mid.block_2.norm2.weight");
        assertThat(LdmKeys.vae("encoder.conv_norm_out.bias", VAE)).isEqualTo("first_stage_model.encoder.norm_out.bias");
        assertThat(LdmKeys.isVaeAttentionProjection("decoder.mid_block.attentions.0.to_q.weight")).isTrue();
        assertThat(LdmKeys.isVaeAttentionProjection("decoder.mid_block.attentions.0.to_q.bias")).isFalse();
    }

    @Test
    void everyParameterGetsItsOwnLdmKey() {
        Graph g = Graph.create();
        new UNet2DConditionModel(g, DType.FLOAT16, "", UNET);
        Set<String> unet = g.weights().keySet().stream().map(k -> LdmKeys.unet(k, UNET)).collect(Collectors.toSet());
        Graph v = Graph.create();
        new AutoencoderKL(v, DType.FLOAT16, "", VAE);
        Set<String> vae = v.weights().keySet().stream().map(k -> LdmKeys.vae(k, VAE)).collect(Collectors.toSet());

        assertThat(unet).hasSize(686).allMatch(k -> !k.contains("down_blocks") && !k.contains("up_blocks")
                && !k.contains("resnets") && !k.contains("mid_block"));
        assertThat(vae).hasSize(v.weights().size()).allMatch(k -> !k.contains("_blocks") && !k.contains("resnets"));
    }
}
