package io.sdtune.diffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.diffusion.weights.TextualInversionFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Textual Inversion embeddings at generation, in diffusers' and AUTOMATIC1111's layouts. */
class TextualInversionGenerationTest {

    @Test
    void aPlaceholderWhoseEmbeddingIsAWordsRowDrawsThatWord(@TempDir Path dir) throws Exception {
        TinyModel.write(dir.resolve("tiny"), TinyModel.Architecture.TINY, DType.FLOAT32, 0, c -> { });
        try (StableDiffusion model = StableDiffusion.load(dir.resolve("tiny"));
                Txt2Img pipeline = new Txt2Img(model, Device.CPU, DType.FLOAT32)) {
            long toy = model.tokenizer().encode("toy").inputIds()[1];
            TensorData table = model.textEncoder().get("text_model.embeddings.token_embedding.weight");
            long hidden = table.shape().dim(1);
            TensorData row = TensorData.allocate(DType.FLOAT32, Shape.of(1, hidden));
            for (long j = 0; j < hidden; j++) {
                row.set(j, table.get(toy * hidden + j));
            }
            SafeTensors.write(dir.resolve("learned_embeds.safetensors"), Map.of("<cat-toy>", row), Map.of());
            SafeTensors.write(dir.resolve("toy-a1111.safetensors"), Map.of("emb_params", row), Map.of());
            GenerationParams word = GenerationParams.of("a photo of toy", 3).withSize(64, 64).withSteps(3, "ddim");
            GenerationParams placeholder = GenerationParams.of("a photo of <cat-toy>", 3).withSize(64, 64).withSteps(3, "ddim");
            GenerationParams a1111 = GenerationParams.of("a photo of toy-a1111", 3).withSize(64, 64).withSteps(3, "ddim");

            byte[] expected = pipeline.generate(word, null).get(0).rgb();
            byte[] diffusers = pipeline.generate(placeholder, adapters(dir.resolve("learned_embeds.safetensors")), null)
                    .get(0).rgb();
            GeneratedImage automatic = pipeline.generate(a1111, adapters(dir.resolve("toy-a1111.safetensors")), null)
                    .get(0);

            assertThat(diffusers).isEqualTo(expected);
            assertThat(automatic.rgb()).isEqualTo(expected);
            // The web UI's TI hash: SHA-256 of the whole embedding file, 12 hex digits.
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(dir.resolve("toy-a1111.safetensors")))).substring(0, 12);
            assertThat(automatic.text().get("parameters")).endsWith(", TI hashes: \"toy-a1111: " + hash + "\"");
            assertThat(TextualInversionFile.read(dir.resolve("toy-a1111.safetensors")).token()).isEqualTo("toy-a1111");
        }
    }

    private static Adapters adapters(Path embedding) {
        return new Adapters(LoraStack.none(), List.of(TextualInversionFile.read(embedding)));
    }
}
