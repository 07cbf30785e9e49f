package io.sdtune.diffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The full SD 1.5 configuration builds every graph with diffusers' and transformers' parameter names
 * and shapes (no weights needed). Parameter totals are those of the published checkpoints.
 */
class Sd15ArchitectureTest {

    @Test
    void unetHasTheStateDictOfSd15() {
        Graph g = Graph.create();
        var unet = new UNet2DConditionModel(g, DType.FLOAT16, "", UNet2DConditionConfig.sd15());
        Tensor out = unet.forward(g.input("sample", DType.FLOAT16, Shape.of(2, 4, 64, 64)),
                g.input("timestep", DType.FLOAT32, Shape.of(2)), g.input("text", DType.FLOAT16, Shape.of(2, 77, 768)));

        assertThat(out.shape()).isEqualTo(Shape.of(2, 4, 64, 64));
        assertThat(count(g.weights())).isEqualTo(859_520_964L);
        assertThat(g.weights()).hasSize(686);
        assertShape(g, "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", 320, 768);
        assertShape(g, "down_blocks.1.resnets.0.conv_shortcut.weight", 640, 320, 1, 1);
        assertShape(g, "mid_block.attentions.0.proj_in.weight", 1280, 1280, 1, 1);
        assertShape(g, "up_blocks.1.resnets.0.conv1.weight", 1280, 2560, 3, 3);
        assertShape(g, "up_blocks.3.attentions.2.transformer_blocks.0.ff.net.0.proj.weight", 2560, 320);
        assertShape(g, "time_embedding.linear_1.weight", 1280, 320);
    }

    @Test
    void theModuleTreeHasDiffusersBlockTypesAtTheirPathsWithoutBuildingAComputation() {
        Graph g = Graph.create();
        Map<String, Module> modules = new UNet2DConditionModel(g, DType.FLOAT16, "", UNet2DConditionConfig.sd15())
                .namedModules();

        assertThat(g.nodes()).as("no operation built").isEmpty();
        assertThat(modules.get("down_blocks.0").getClass().getSimpleName()).isEqualTo("CrossAttnDownBlock2D");
        assertThat(modules.get("down_blocks.3").getClass().getSimpleName()).isEqualTo("DownBlock2D");
        assertThat(modules.get("mid_block").getClass().getSimpleName()).isEqualTo("UNetMidBlock2DCrossAttn");
        assertThat(modules.get("up_blocks.0").getClass().getSimpleName()).isEqualTo("UpBlock2D");
        assertThat(modules.get("up_blocks.1").getClass().getSimpleName()).isEqualTo("CrossAttnUpBlock2D");
        assertThat(modules.get("up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_out.0")).isInstanceOf(Linear.class);
        assertThat(modules.get("down_blocks.1.resnets.0.conv_shortcut")).isInstanceOf(Conv2d.class);
        // Every parameter belongs to a module of the tree: the parameter's name is that module's path and its own.
        assertThat(g.weights().keySet()).allMatch(name -> modules.containsKey(name.substring(0, name.lastIndexOf('.'))));
        assertThat(modules.keySet()).first().isEqualTo("");
    }

    @Test
    void vaeHasTheStateDictOfSd15() {
        Graph g = Graph.create();
        var vae = new AutoencoderKL(g, DType.FLOAT32, "", AutoencoderKLConfig.sd15());
        AutoencoderKL.Posterior posterior = vae.encode(g.input("image", DType.FLOAT32, Shape.of(1, 3, 512, 512)));
        Tensor decoded = vae.decode(g.input("latents", DType.FLOAT32, Shape.of(1, 4, 64, 64)));

        assertThat(posterior.mean().shape()).isEqualTo(Shape.of(1, 4, 64, 64));
        assertThat(decoded.shape()).isEqualTo(Shape.of(1, 3, 512, 512));
        assertThat(count(g.weights())).isEqualTo(83_653_863L);
        assertShape(g, "encoder.mid_block.attentions.0.to_q.weight", 512, 512);
        assertShape(g, "encoder.mid_block.attentions.0.group_norm.weight", 512);
        assertShape(g, "decoder.up_blocks.2.resnets.0.conv_shortcut.weight", 256, 512, 1, 1);
        assertShape(g, "quant_conv.weight", 8, 8, 1, 1);
    }

    @Test
    void textEncoderHasTheStateDictOfClipVitL14() {
        Graph g = Graph.create();
        var clip = new ClipTextModel(g, DType.FLOAT32, "", ClipTextConfig.sd15());
        Tensor hidden = clip.forward(g.input("input_ids", DType.INT64, Shape.of(2, 77)));

        assertThat(hidden.shape()).isEqualTo(Shape.of(2, 77, 768));
        assertThat(count(g.weights())).isEqualTo(123_060_480L);
        assertShape(g, "text_model.embeddings.token_embedding.weight", 49408, 768);
        assertShape(g, "text_model.encoder.layers.11.mlp.fc1.weight", 3072, 768);
        assertShape(g, "text_model.final_layer_norm.bias", 768);
    }

    @Test
    void anSd2StyleConfigUsesLinearProjectionsAndPerBlockHeadCounts() {
        UNet2DConditionConfig c = UNet2DConditionConfig.read(ConfigFile.parse("sd2-like config.json", """
                {"down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
                 "block_out_channels": [32, 64], "layers_per_block": 1, "norm_num_groups": 8,
                 "cross_attention_dim": 48, "attention_head_dim": [2, 4], "use_linear_projection": true}
                """));
        Graph g = Graph.create();
        Tensor out = new UNet2DConditionModel(g, DType.FLOAT32, "", c).forward(g.input("s", DType.FLOAT32, Shape.of(1, 4, 8, 8)),
                g.input("t", DType.FLOAT32, Shape.of(1)), g.input("text", DType.FLOAT32, Shape.of(1, 77, 48)));

        assertThat(out.shape()).isEqualTo(Shape.of(1, 4, 8, 8));
        assertThat(c.attentionHeads()).containsExactly(2, 4);
        assertShape(g, "down_blocks.0.attentions.0.proj_in.weight", 32, 32);
        assertShape(g, "up_blocks.1.attentions.1.proj_out.weight", 32, 32);
        assertShape(g, "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", 32, 48);
    }

    private static long count(Map<String, Tensor> weights) {
        return weights.values().stream().mapToLong(t -> t.shape().size()).sum();
    }

    private static void assertShape(Graph g, String key, long... dims) {
        assertThat(g.weights()).containsKey(key);
        assertThat(g.weights().get(key).shape()).as(key).isEqualTo(Shape.of(dims));
    }
}
