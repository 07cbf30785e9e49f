package io.sdtune.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.diffusion.weights.TextualInversionFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Embeddings of diffusers and AUTOMATIC1111 taken as diffusers' learned_embeds.safetensors, named by their token. */
class EmbeddingFormatsTest {
    private static final ClipTextConfig TINY = ClipTextConfig.tiny();

    @TempDir
    Path dir;

    private Path upload(String key, Shape shape) throws Exception {
        return TinyLoras.write(dir.resolve("upload-" + key), Map.of(key, TensorData.randn(DType.FLOAT32, shape, 1, new Random(1))));
    }

    @Test
    void aDiffusersEmbeddingKeepsTheTokenItsKeyNames() throws Exception {
        Path in = upload("<cat-toy>", Shape.of(2, TINY.hiddenSize()));
        Path out = dir.resolve("learned_embeds.safetensors");

        assertThat(EmbeddingFormats.convert(in, "learned_embeds.safetensors", null, TINY, out))
                .containsExactly("<cat-toy>", "<cat-toy>_1");
        TextualInversionFile written = TextualInversionFile.read(out);
        assertThat(written.token()).isEqualTo("<cat-toy>");
        assertThat(TinyLoras.tensors(out).get("<cat-toy>")).isEqualTo(TinyLoras.tensors(in).get("<cat-toy>"));
        try (SafeTensors st = SafeTensors.open(out)) {
            assertThat(st.keys()).containsExactly("<cat-toy>");
        }
    }

    @Test
    void anAutomatic1111EmbeddingIsNamedAfterItsFile() throws Exception {
        Path in = upload("emb_params", Shape.of(1, TINY.hiddenSize()));
        Path out = dir.resolve("learned_embeds.safetensors");

        assertThat(EmbeddingFormats.convert(in, "EasyStyle.safetensors", null, TINY, out)).containsExactly("EasyStyle");
        assertThat(TextualInversionFile.read(out).token()).isEqualTo("EasyStyle");
    }

    @Test
    void aGivenTokenRenamesIt() throws Exception {
        Path in = upload("emb_params", Shape.of(1, TINY.hiddenSize()));

        assertThat(EmbeddingFormats.convert(in, "my style.safetensors", "<my-style>", TINY, dir.resolve("out.safetensors")))
                .containsExactly("<my-style>");
        assertThat(TextualInversionFile.read(dir.resolve("out.safetensors")).token()).isEqualTo("<my-style>");
    }

    @Test
    void aTokenNoPromptCanNameIsRefusedUnlessOneIsGiven() throws Exception {
        Path in = upload("emb_params", Shape.of(1, TINY.hiddenSize()));

        assertThatThrownBy(() -> EmbeddingFormats.convert(in, "my style.safetensors", null, TINY, dir.resolve("out.safetensors")))
                .isInstanceOf(RefusedFile.class)
                .hasMessageStartingWith("my style.safetensors: its token 'my style' (its file name) is not one a prompt can name")
                .hasMessageEndingWith("give trigger_tokens");
    }

    @Test
    void anEmbeddingOfAnotherWidthIsRefused() throws Exception {
        Path in = upload("<sd15>", Shape.of(1, 768));

        assertThatThrownBy(() -> EmbeddingFormats.convert(in, "sd15.safetensors", null, TINY, dir.resolve("out.safetensors")))
                .isInstanceOf(RefusedFile.class)
                .hasMessageContaining("'<sd15>' is [1, 768]")
                .hasMessageContaining("each vector must have " + TINY.hiddenSize() + " values");
    }

    @Test
    void aFileOfSeveralTensorsIsNoEmbedding() throws Exception {
        Path in = TinyLoras.write(dir.resolve("lora.safetensors"), TinyLoras.kohya(2));

        assertThatThrownBy(() -> EmbeddingFormats.convert(in, "lora.safetensors", null, TINY, dir.resolve("out.safetensors")))
                .isInstanceOf(RefusedFile.class)
                .hasMessageStartingWith("lora.safetensors: a Textual Inversion file holds one embedding")
                .hasMessageNotContaining(dir.toString());
    }
}
