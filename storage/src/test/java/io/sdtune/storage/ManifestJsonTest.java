package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** manifest.json: what it looks like, and what a reader refuses. */
class ManifestJsonTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final Manifest LORA = new Manifest("a1", "LORA", "",
            List.of(new StoredFile("adapters/a1/pytorch_lora_weights.safetensors", SHA, 4)),
            Instant.parse("2026-11-26T19:20:00Z"), Map.of("base_model", "sd-1.5", "tokens", "<cat-toy>"));

    @Test
    void aManifestIsPlainJsonWithAnIsoTime() throws IOException {
        JsonNode json = JsonMapper.builder().build().readTree(ManifestJson.write(LORA));

        assertThat(json.get("id").asText()).isEqualTo("a1");
        assertThat(json.get("kind").asText()).isEqualTo("LORA");
        assertThat(json.get("created").asText()).isEqualTo("2026-11-26T19:20:00Z");
        assertThat(json.get("files").get(0).get("key").asText()).isEqualTo("adapters/a1/pytorch_lora_weights.safetensors");
        assertThat(json.get("files").get(0).get("sha256").asText()).isEqualTo(SHA);
        assertThat(json.get("files").get(0).get("size").asLong()).isEqualTo(4);
        assertThat(json.get("metadata").get("tokens").asText()).isEqualTo("<cat-toy>");
    }

    @Test
    void whatIsWrittenReadsBackEqual() throws IOException {
        assertThat(ManifestJson.read(ManifestJson.write(LORA), "test")).isEqualTo(LORA);
    }

    @Test
    void unknownFieldsOfANewerWriterAreIgnoredAndMissingMetadataIsEmpty() throws IOException {
        String json = """
                {"id": "m", "kind": "BASE_MODEL", "created": "2026-11-26T00:00:00Z", "schema": 2,
                 "files": [{"key": "models/m/model_index.json", "sha256": "%s", "size": 4, "etag": "x"}]}
                """.formatted(SHA);

        Manifest manifest = ManifestJson.read(json.getBytes(StandardCharsets.UTF_8), "test");

        assertThat(manifest.metadata()).isEmpty();
        assertThat(manifest.totalSize()).isEqualTo(4);
    }

    @Test
    void anInvalidManifestIsRefusedNamingItsSourceAndTheFault() {
        String badHash = """
                {"id": "a1", "kind": "LORA", "created": "2026-11-26T00:00:00Z",
                 "files": [{"key": "adapters/a1/w.safetensors", "sha256": "ABC", "size": 4}]}
                """;
        String noFiles = """
                {"id": "a1", "kind": "LORA", "created": "2026-11-26T00:00:00Z", "files": []}
                """;

        assertThatThrownBy(() -> ManifestJson.read(badHash.getBytes(StandardCharsets.UTF_8), "bucket/adapters/a1/manifest.json"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("manifest bucket/adapters/a1/manifest.json is not valid")
                .hasMessageContaining("sha256 of adapters/a1/w.safetensors must be 64 lower-case hex digits, was ABC");
        assertThatThrownBy(() -> ManifestJson.read(noFiles.getBytes(StandardCharsets.UTF_8), "m.json"))
                .hasMessageContaining("manifest a1 lists no files");
        assertThatThrownBy(() -> ManifestJson.read("{".getBytes(StandardCharsets.UTF_8), "m.json"))
                .hasMessageContaining("manifest m.json is not valid");
    }

    @Test
    void aFileListedTwiceIsRefused() {
        StoredFile file = LORA.files().get(0);
        assertThatThrownBy(() -> new Manifest("a1", "LORA", "", List.of(file, file), Instant.EPOCH, Map.of()))
                .hasMessageContaining("lists adapters/a1/pytorch_lora_weights.safetensors twice");
    }
}
