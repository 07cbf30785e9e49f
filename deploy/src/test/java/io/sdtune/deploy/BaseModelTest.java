package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.embedded.s3.LocalS3;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelTest {
    @TempDir
    Path dir;

    @Test
    void aDiffusersFolderIsNamedAfterItAndSizedByItsConfig() {
        Path folder = dir.resolve("My Model v1.5");
        TinyModel.write(folder, TinyModel.Architecture.TINY, DType.FLOAT32, 1, component -> { });

        BaseModel model = BaseModel.of(folder);

        assertThat(model.id()).isEqualTo("My-Model-v1.5");
        assertThat(model.resolution()).as("sample_size 8 x the VAE's 8").isEqualTo(64);
    }

    @Test
    void theEmbeddedDefaultIsTheShippedWorldModelOrElseTheTinyOne() {
        BaseModel world = BaseModel.embeddedDefault(Path.of(".."));

        assertThat(world.id()).isEqualTo("world-of-shapes");
        assertThat(world.resolution()).as("16x16 latents x the VAE's 4").isEqualTo(64);
        assertThat(world.examplePrompt()).as("its model card's first widget prompt")
                .isEqualTo("a large red circle in the middle, on a blue background");
        assertThat(world.isWorldOfShapes()).as("--demo runs the world's plan on it").isTrue();
        assertThat(world.instancePrompt()).as("in the world's words").isEqualTo("a <cat-toy>");
        assertThat(world.guidanceScale()).as("its card's, the world's evaluation's").isEqualTo(3.0);
        assertThat(BaseModel.embeddedDefault(dir)).isEqualTo(BaseModel.TINY);
        assertThat(BaseModel.TINY.examplePrompt()).isNull();
        assertThat(BaseModel.TINY.isWorldOfShapes()).isFalse();
        assertThat(BaseModel.TINY.instancePrompt()).as("the gateway's own").isNull();
        assertThat(BaseModel.TINY.guidanceScale()).as("the gateway's own").isNull();
    }

    @Test
    void theGuidanceScaleIsTheModelCardsInferenceParameter() throws Exception {
        Path card = dir.resolve("README.md");

        Files.writeString(card, "---\ninference:\n  parameters:\n    guidance_scale: 3\n    num_inference_steps: 25\n"
                + "widget:\n- text: a red circle\n---\n");
        assertThat(BaseModel.guidanceScale(dir)).isEqualTo(3.0);
        assertThat(BaseModel.examplePrompt(dir)).isEqualTo("a red circle");

        Files.writeString(card, "---\ninference: true\n---\n");
        assertThat(BaseModel.guidanceScale(dir)).as("no parameters").isNull();

        Files.writeString(card, "---\ninference:\n  parameters:\n    guidance_scale: high\n---\n");
        assertThat(BaseModel.guidanceScale(dir)).as("not a number").isNull();
    }

    @Test
    void theExamplePromptIsTheModelCardsFirstWidgetText() throws Exception {
        Path card = dir.resolve("README.md");

        Files.writeString(card, "---\nlicense: mit\nwidget:\n- text: \"a <cat-toy> on the beach\"\n  output:\n"
                + "    url: beach.png\n- text: second\n---\n# A model\n");
        assertThat(BaseModel.examplePrompt(dir)).isEqualTo("a <cat-toy> on the beach");

        Files.writeString(card, "# A model card without front matter\n---\nwidget: not this\n");
        assertThat(BaseModel.examplePrompt(dir)).isNull();

        Files.writeString(card, "---\nlicense: mit\n---\n");
        assertThat(BaseModel.examplePrompt(dir)).as("no widget").isNull();

        Files.writeString(card, "---\nwidget: [text: \"unclosed\n---\n");
        assertThatThrownBy(() -> BaseModel.examplePrompt(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("front matter is not YAML");

        Files.delete(card);
        assertThat(BaseModel.examplePrompt(dir)).as("no card").isNull();
    }

    @Test
    void whatIsNoDiffusersFolderIsRefusedWithTheReason() throws Exception {
        Path file = Files.writeString(dir.resolve("model.safetensors"), "not a model");

        assertThatThrownBy(() -> BaseModel.of(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a diffusers model folder");
        assertThatThrownBy(() -> BaseModel.of(Files.createDirectories(dir.resolve("empty"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aModelIsPublishedOnceUnderItsId() throws Exception {
        Path folder = dir.resolve("sd-test");
        TinyModel.write(folder, TinyModel.Architecture.TINY, DType.FLOAT32, 1, component -> { });
        BaseModel model = BaseModel.of(folder);
        List<String> said = new ArrayList<>();
        try (LocalS3 s3 = LocalS3.start("key", "secret-key");
                ObjectStore objects = ObjectStore.open(new StoreConfig(s3.endpoint(), "key", "secret-key", "sdtune"))) {
            ArtifactStore artifacts = new ArtifactStore(objects);

            model.publishIfAbsent(artifacts, said::add);
            Manifest first = artifacts.manifest(Shelf.MODELS.at("sd-test")).orElseThrow();
            model.publishIfAbsent(artifacts, said::add);
            BaseModel.TINY.publishIfAbsent(artifacts, said::add);

            assertThat(artifacts.manifest(Shelf.MODELS.at("sd-test"))).contains(first);
            assertThat(first.files()).extracting(f -> f.key()).contains("models/sd-test/unet/config.json",
                    "models/sd-test/unet/diffusion_pytorch_model.safetensors");
            assertThat(artifacts.ids(null, Shelf.MODELS)).containsExactlyInAnyOrder("sd-test", "tiny-sd");
            assertThat(said).hasSize(2);
        }
    }
}
