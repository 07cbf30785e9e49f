package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A base model published once, shared by every tenant; what is no diffusers folder never reaches the store. */
class ModelShelfTest {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    @TempDir
    Path dir;

    private final ArtifactStore artifacts = new ArtifactStore(S3.store());
    private final ModelShelf models = new ModelShelf(artifacts);

    @Test
    void aFolderIsPublishedOnceAndAnotherFolderOfTheSameIdChangesNothing() throws IOException {
        Path first = diffusersFolder("first", "{\"sample_size\": 8}");
        Path second = diffusersFolder("second", "{\"sample_size\": 64}");

        assertThat(models.publishIfAbsent("sd-test", first)).isTrue();
        Manifest published = artifacts.manifest(Shelf.MODELS.at("sd-test")).orElseThrow();
        assertThat(models.publishIfAbsent("sd-test", second)).isFalse();

        assertThat(artifacts.manifest(Shelf.MODELS.at("sd-test"))).contains(published);
        assertThat(published.kind()).isEqualTo(ModelShelf.KIND);
        assertThat(published.files()).extracting(StoredFile::key)
                .containsExactly("models/sd-test/model_index.json", "models/sd-test/unet/config.json");
        assertThat(new String(S3.store().open("models/sd-test/unet/config.json").readAllBytes()))
                .isEqualTo("{\"sample_size\": 8}");
    }

    @Test
    void aFolderWithoutModelIndexIsRefusedAndNothingIsWritten() throws IOException {
        Path notAModel = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(notAModel.resolve("cat.png"), "png");

        assertThatThrownBy(() -> models.publishIfAbsent("photos", notAModel))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no model_index.json");
        assertThat(S3.store().list("")).isEmpty();
    }

    private Path diffusersFolder(String name, String unetConfig) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name).resolve("unet"));
        Files.writeString(folder.resolve("config.json"), unetConfig);
        Files.writeString(folder.resolveSibling("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\"}");
        return folder.getParent();
    }
}
