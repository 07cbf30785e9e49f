package io.sdtune.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.StoredFile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An adapter's files as the API lists them: named by their path in the adapter, with the formats each is offered in. */
class PublishedAdapterTest {
    private static final String SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final ArtifactLocation AT = AdapterShelf.at("tenant-a", "a1");
    private static final String PUBLICATION = "p0123456789abcdef";

    private static PublishedAdapter adapter(AdapterKind kind, String... paths) {
        List<StoredFile> files = java.util.Arrays.stream(paths)
                .map(path -> new StoredFile(AT.fileKey(PUBLICATION, path), SHA256, 10)).toList();
        return new PublishedAdapter(AT, new Manifest("a1", kind.name(), PUBLICATION, files, Instant.EPOCH,
                Map.of(AdapterShelf.BASE_MODEL, "tiny")));
    }

    @Test
    void aLoraIsOfferedAsStoredAndWithKohyasKeys() {
        assertThat(adapter(AdapterKind.LORA, "pytorch_lora_weights.safetensors").files())
                .containsExactly(new AdapterFile("pytorch_lora_weights.safetensors", 10, SHA256, List.of("diffusers", "kohya")));
    }

    @Test
    void anEmbeddingAsStored() {
        assertThat(adapter(AdapterKind.EMBEDDING, "learned_embeds.safetensors").files())
                .containsExactly(new AdapterFile("learned_embeds.safetensors", 10, SHA256, List.of("diffusers")));
    }

    @Test
    void aDreamBoothModelAsAWholeThroughItsModelIndex() {
        PublishedAdapter model = adapter(AdapterKind.FULL_UNET, "model_index.json", "unet/config.json",
                "unet/diffusion_pytorch_model.safetensors");

        assertThat(model.files()).extracting(AdapterFile::name, AdapterFile::formats).containsExactly(
                org.assertj.core.groups.Tuple.tuple("model_index.json", List.of("diffusers", "single_file", "zip")),
                org.assertj.core.groups.Tuple.tuple("unet/config.json", List.of("diffusers")),
                org.assertj.core.groups.Tuple.tuple("unet/diffusion_pytorch_model.safetensors", List.of("diffusers")));
        assertThat(model.file("unet/config.json")).map(StoredFile::key)
                .contains("tenants/tenant-a/adapters/a1/" + PUBLICATION + "/unet/config.json");
        assertThat(model.file("config.json")).isEmpty();
    }
}
