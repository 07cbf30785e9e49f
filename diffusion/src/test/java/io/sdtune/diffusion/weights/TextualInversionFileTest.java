package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Textual Inversion files checked against the text encoder they are to join. */
class TextualInversionFileTest {
    private static final ClipTextConfig TINY = ClipTextConfig.tiny();

    @Test
    void anEmbeddingAsWideAsTheTokenEmbeddingFits(@TempDir Path dir) throws Exception {
        Path file = write(dir, "<cat-toy>", Shape.of(2, TINY.hiddenSize()));

        TextualInversionFile embedding = TextualInversionFile.read(file).requireFits(TINY);

        assertThat(embedding.tokens()).containsExactly("<cat-toy>", "<cat-toy>_1");
    }

    @Test
    void anEmbeddingOfAnotherWidthIsRefusedNamingTheTokenEmbeddingAndBothShapes(@TempDir Path dir) throws Exception {
        Path file = write(dir, "<cat-toy>", Shape.of(1, 768));
        TextualInversionFile embedding = TextualInversionFile.read(file);

        assertThatThrownBy(() -> embedding.requireFits(TINY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Textual Inversion embedding '<cat-toy>' is [1, 768], but the text encoder's "
                        + "text_model.embeddings.token_embedding.weight is [" + TINY.vocabSize() + ", " + TINY.hiddenSize()
                        + "]: each vector must have " + TINY.hiddenSize() + " values");
    }

    private static Path write(Path dir, String token, Shape shape) throws Exception {
        Path file = dir.resolve("learned_embeds.safetensors");
        SafeTensors.write(file, Map.of(token, TensorData.randn(DType.FLOAT32, shape, 1, new Random(1))), Map.of());
        return file;
    }
}
