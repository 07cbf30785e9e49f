package io.sdtune.diffusion.nn.clip;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.Lora;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on the text encoder, as {@code train_dreambooth_lora.py --train_text_encoder} configures it. */
class ClipTextModelLoraTest {

    @Test
    void adaptsTheFourSelfAttentionProjectionsOfEveryLayer() {
        Graph g = Graph.create();
        new ClipTextModel(g, DType.FLOAT32, "text_encoder", ClipTextConfig.tiny(), 0, Lora.textEncoderAttention(4));

        String q = "text_encoder.text_model.encoder.layers.0.self_attn.q_proj";
        assertThat(g.weights().keySet().stream().filter(k -> k.contains(".lora_")))
                .hasSize(2 * 4 * 2)
                .contains(q + ".lora_A.weight", "text_encoder.text_model.encoder.layers.1.self_attn.out_proj.lora_B.weight")
                .noneMatch(k -> k.contains("mlp"));
        assertThat(g.weights().get(q + ".lora_A.weight").shape()).isEqualTo(Shape.of(4, 32));
        assertThat(g.weights().get(q + ".lora_B.weight").shape()).isEqualTo(Shape.of(32, 4));
    }

    @Test
    void withBZeroTheOutputIsTheBaseModelsExactlyAndWithBNonZeroItDiffers(@TempDir Path dir) {
        TinyModel.write(dir, TinyModel.Architecture.TINY, DType.FLOAT32, 0, file -> { });
        try (StableDiffusion model = StableDiffusion.load(dir)) {
            long[] ids = model.tokenizer().encode("a photo of <cat-toy>").inputIds();
            float[] base = encode(model, null, false, ids);

            assertThat(encode(model, Lora.textEncoderAttention(4), true, ids)).containsExactly(base);
            assertThat(encode(model, Lora.textEncoderAttention(4), false, ids)).isNotEqualTo(base);
        }
    }

    /** {@code last_hidden_state} with LoRA tensors drawn at random (B zero when {@code zeroB}). */
    private static float[] encode(StableDiffusion model, Lora lora, boolean zeroB, long[] ids) {
        Graph g = Graph.create();
        Tensor input = g.input("input_ids", DType.INT64, Shape.of(1, ids.length));
        Tensor hidden = new ClipTextModel(g, DType.FLOAT32, "", model.textEncoderConfig(), 0, lora).forward(input);
        Random random = new Random(5);
        try (Session s = Session.create(new Program(Map.of("input_ids", input), Map.of("hidden", hidden)), key -> {
            Shape shape = g.weights().get(key).shape();
            if (key.endsWith(".lora_A.weight") || key.endsWith(".lora_B.weight") && !zeroB) {
                return TensorData.randn(DType.FLOAT32, shape, 0.5, random);
            }
            return key.endsWith(".lora_B.weight") ? TensorData.allocate(DType.FLOAT32, shape) : model.textEncoder().get(key);
        }, Device.CPU)) {
            return s.run(Map.of("input_ids", TensorData.ofLongs(ids, 1, ids.length))).get("hidden").toFloatArray();
        }
    }
}
