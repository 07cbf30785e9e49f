package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bucket layout of DESIGN.md, and the ids that may appear in it. */
class ObjectKeysTest {
    @Test
    void eachShelfHasItsPrefixInsideItsTenantsAndAManifestPerArtifact() {
        assertThat(Shelf.DATASETS.at("t1", "ds-1").fileKey("img_001.png")).isEqualTo("tenants/t1/datasets/ds-1/img_001.png");
        assertThat(Shelf.ADAPTERS.at("t1", "a1").fileKey("pytorch_lora_weights.safetensors"))
                .isEqualTo("tenants/t1/adapters/a1/pytorch_lora_weights.safetensors");
        assertThat(Shelf.ADAPTERS.at("t1", "a1").manifestKey()).isEqualTo("tenants/t1/adapters/a1/manifest.json");
        assertThat(Shelf.CHECKPOINTS.at("t2", "j.checkpoint-4").prefix()).isEqualTo("tenants/t2/checkpoints/j.checkpoint-4/");
        assertThat(Shelf.MODELS.at("sd-1.5").fileKey("unet/diffusion_pytorch_model.safetensors"))
                .isEqualTo("models/sd-1.5/unet/diffusion_pytorch_model.safetensors");
        assertThat(ImageShelf.key("t1", "req-7", 3)).isEqualTo("tenants/t1/images/req-7/3.png");
        assertThat(ImageShelf.pathOf("tenants/t1/images/req-7/3.png")).isEqualTo("req-7/3.png");
        assertThat(ObjectKeys.run("training", "job-7", "r1")).isEqualTo("runs/training/job-7/r1")
                .startsWith(ObjectKeys.runs("training", "job-7"));
    }

    @Test
    void aFileKeyMapsBackToItsRelativePath() {
        ArtifactLocation model = Shelf.MODELS.at("tiny");
        assertThat(model.relativePath("", model.fileKey("vae/config.json"))).isEqualTo("vae/config.json");
        assertThat(model.fileKey("p1", "vae/config.json")).isEqualTo("models/tiny/p1/vae/config.json");
        assertThat(model.relativePath("p1", "models/tiny/p1/vae/config.json")).isEqualTo("vae/config.json");
        assertThatThrownBy(() -> model.relativePath("", "models/tinier/vae/config.json"))
                .hasMessageContaining("not inside models/tiny/");
        assertThatThrownBy(() -> model.relativePath("p1", "models/tiny/p2/vae/config.json"))
                .hasMessageContaining("not inside models/tiny/p1/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "a..b", "a/b", ".hidden", "-dash", "a b", "ü", "a\\b",
            "x1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
                    + "12345678901234567890123456789"})
    void unsafeIdsAreRefusedWithTheRule(String id) {
        assertThatThrownBy(() -> Shelf.ADAPTERS.at("t1", id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adapter id must be 1-128 letters, digits")
                .hasMessageContaining("'" + id + "'");
        assertThatThrownBy(() -> Shelf.ADAPTERS.at(id, "a1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tenant must be 1-128 letters, digits");
    }

    @Test
    void baseModelsAreSharedAndEverythingElseIsATenants() {
        assertThatThrownBy(() -> Shelf.ADAPTERS.at("a1")).hasMessageContaining("a tenant is required");
        assertThatThrownBy(() -> Shelf.MODELS.at("t1", "sd-1.5")).hasMessageContaining("MODELS is shared");
        assertThatThrownBy(() -> ImageShelf.pathOf("tenants/t1/adapters/req-7/3.png"))
                .hasMessageContaining("not the key of an image");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "A-1_b.c", "0", "job-2026-11-26T19.20"})
    void safeIdsAreKept(String id) {
        assertThat(Shelf.DATASETS.at("t1", id).id()).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/abs", "a//b", "a/", "a/../b", "a/./b", "unet\\x"})
    void relativePathsMayNotClimbOrHaveEmptySegments(String path) {
        assertThatThrownBy(() -> Shelf.MODELS.at("m").fileKey(path)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noArtifactFileMayTakeTheManifestsName() {
        assertThatThrownBy(() -> Shelf.ADAPTERS.at("t1", "a").fileKey("manifest.json"))
                .hasMessageContaining("manifest.json is the manifest's name");
    }

    @Test
    void imageNumbersStartAtZero() {
        assertThatThrownBy(() -> ImageShelf.key("t1", "r", -1)).hasMessageContaining("0 or more, was -1");
        assertThatThrownBy(() -> ImageShelf.key("t1", "../r", 0)).hasMessageContaining("image set id");
    }
}
