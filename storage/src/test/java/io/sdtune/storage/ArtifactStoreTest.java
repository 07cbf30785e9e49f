package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Publishing artifacts to a real S3 server: files first, manifest last; reads checked against it. */
class ArtifactStoreTest {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private static final Instant NOW = Instant.parse("2026-11-26T19:20:00Z");
    private final ArtifactStore artifacts = new ArtifactStore(S3.store(), Clock.fixed(NOW, ZoneOffset.UTC));
    private final ArtifactLocation lora = Shelf.ADAPTERS.at("t1", "job-42-lora");

    @Test
    void anAdapterIsListedOnlyOnceItsManifestIsWrittenAfterAllItsFiles() throws IOException {
        List<String> listedDuringUpload = new ArrayList<>();
        ArtifactFile weights = ArtifactFile.of("pytorch_lora_weights.safetensors", bytes("weights"));
        ArtifactFile config = new ArtifactFile("adapter_config.json", 2, () -> {
            listedDuringUpload.addAll(artifacts.ids("t1", Shelf.ADAPTERS));
            assertThat(artifacts.manifest(lora)).isEmpty();
            return new ByteArrayInputStream(bytes("{}"));
        });

        Manifest manifest = artifacts.publish(lora, "LORA", List.of(weights, config), Map.of("base_model", "tiny"));

        assertThat(listedDuringUpload).isEmpty();
        assertThat(artifacts.ids("t1", Shelf.ADAPTERS)).containsExactly("job-42-lora");
        assertThat(artifacts.manifest(lora)).contains(manifest);
        assertThat(manifest.created()).isEqualTo(NOW);
        assertThat(manifest.publication()).as("adapters may be published by two runs of a job").isNotEmpty();
        assertThat(manifest.files()).extracting(StoredFile::key).containsExactly(
                "tenants/t1/adapters/job-42-lora/" + manifest.publication() + "/pytorch_lora_weights.safetensors",
                "tenants/t1/adapters/job-42-lora/" + manifest.publication() + "/adapter_config.json");
    }

    @Test
    void filesWithoutAManifestAreNoArtifact() throws IOException {
        S3.store().put(lora.fileKey("pytorch_lora_weights.safetensors"), bytes("half a crashed publication"));

        assertThat(artifacts.ids("t1", Shelf.ADAPTERS)).isEmpty();
        assertThat(artifacts.manifest(lora)).isEmpty();
    }

    @Test
    void everyFileReadsBackVerified() throws IOException {
        Manifest manifest = artifacts.publish(lora, "LORA",
                List.of(ArtifactFile.of("pytorch_lora_weights.safetensors", bytes("weights"))), Map.of());

        assertThat(S3.store().readVerified(manifest.files().get(0))).isEqualTo(bytes("weights"));
    }

    @Test
    void anObjectOverwrittenAfterPublishingFailsItsReadNamingKeyAndBothHashes() throws IOException {
        Manifest manifest = artifacts.publish(lora, "LORA",
                List.of(ArtifactFile.of("pytorch_lora_weights.safetensors", bytes("weights"))), Map.of());
        StoredFile weights = manifest.files().get(0);
        byte[] tampered = bytes("WEIGHTS");
        String tamperedSha256 = S3.store().put(weights.key(), tampered).sha256(); // behind the manifest's back

        try (InputStream in = S3.store().openVerified(weights)) {
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOf(ChecksumMismatchException.class)
                    .hasMessageContaining("object " + weights.key())
                    .hasMessageContaining("expected 7 bytes with sha256 " + weights.sha256())
                    .hasMessageContaining("found sha256 " + tamperedSha256);
        }
    }

    @Test
    void aPublishedArtifactIsImmutableUntilDeleted() throws IOException {
        List<ArtifactFile> files = List.of(ArtifactFile.of("learned_embeds.safetensors", bytes("v1")));
        artifacts.publish(lora, "EMBEDDING", files, Map.of());

        assertThatThrownBy(() -> artifacts.publish(lora, "EMBEDDING", files, Map.of()))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("tenants/t1/adapters/job-42-lora/manifest.json")
                .hasMessageContaining("delete tenants/t1/adapters/job-42-lora to replace it");

        artifacts.delete(lora);
        assertThat(artifacts.manifest(lora)).isEmpty();
        assertThat(S3.store().list(lora.prefix())).isEmpty();
        assertThat(artifacts.publish(lora, "EMBEDDING", List.of(ArtifactFile.of("learned_embeds.safetensors",
                bytes("v2"))), Map.of()).files().get(0).size()).isEqualTo(2);
    }

    @Test
    void aDiffusersFolderIsPublishedWithItsRelativePaths(@TempDir Path folder) throws IOException {
        Files.createDirectories(folder.resolve("unet"));
        Files.writeString(folder.resolve("model_index.json"), "{}");
        Files.writeString(folder.resolve("unet/config.json"), "{\"sample_size\": 8}");
        ArtifactLocation model = Shelf.MODELS.at("tiny-sd");

        Manifest manifest = artifacts.publish(model, "BASE_MODEL", ArtifactFile.allIn(folder), Map.of());

        assertThat(manifest.publication()).as("one writer publishes a base model").isEmpty();
        assertThat(manifest.files()).extracting(StoredFile::key)
                .containsExactly("models/tiny-sd/model_index.json", "models/tiny-sd/unet/config.json");
        assertThat(artifacts.ids(null, Shelf.MODELS)).containsExactly("tiny-sd");
        assertThat(artifacts.ids("t1", Shelf.ADAPTERS)).isEmpty();
    }

    @Test
    void idsOfAPrefixListOnlyTheirOwn() throws IOException {
        for (String id : List.of("job-1.checkpoint-2", "job-1.checkpoint-4", "job-12.checkpoint-2")) {
            artifacts.publish(Shelf.CHECKPOINTS.at("t1", id), "CHECKPOINT", List.of(ArtifactFile.of("state", new byte[] {1})),
                    Map.of());
        }

        assertThat(artifacts.ids("t1", Shelf.CHECKPOINTS, "job-1.")).containsExactly("job-1.checkpoint-2", "job-1.checkpoint-4");
        assertThat(artifacts.ids("t1", Shelf.CHECKPOINTS)).hasSize(3);
    }

    @Test
    void aManifestThatNamesFilesOutsideItsArtifactIsRefused() throws IOException {
        Manifest foreign = new Manifest(lora.id(), "LORA", "",
                List.of(S3.store().put("tenants/t1/adapters/other/w.safetensors", bytes("w"))), NOW, Map.of());
        S3.store().put(lora.manifestKey(), ManifestJson.write(foreign));

        assertThatThrownBy(() -> artifacts.manifest(lora))
                .hasMessageContaining("manifest tenants/t1/adapters/job-42-lora/manifest.json names a file that is not "
                        + "tenants/t1/adapters/job-42-lora's");

        Manifest anotherTenants = new Manifest(lora.id(), "LORA", "",
                List.of(S3.store().put("tenants/t2/adapters/job-42-lora/w.safetensors", bytes("w"))), NOW, Map.of());
        S3.store().put(lora.manifestKey(), ManifestJson.write(anotherTenants));

        assertThatThrownBy(() -> artifacts.manifest(lora)).hasMessageContaining("names a file that is not");
    }

    /**
     * Two runs of one job (a rebalance handed its request on): the second finishes first. The first one's
     * files, uploaded after, land in its own folder, its manifest is refused, and the winner's still verifies.
     */
    @Test
    void ofTwoWritersOfOneIdExactlyOnePublishesAndItsFilesStayItsOwn() throws IOException {
        Manifest[] winner = new Manifest[1];
        ArtifactFile late = new ArtifactFile("pytorch_lora_weights.safetensors", 5, () -> {
            winner[0] = artifacts.publish(lora, "LORA",
                    List.of(ArtifactFile.of("pytorch_lora_weights.safetensors", bytes("first"))), Map.of());
            return new ByteArrayInputStream(bytes("later"));
        });

        assertThatThrownBy(() -> artifacts.publish(lora, "LORA", List.of(late), Map.of()))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("tenants/t1/adapters/job-42-lora/manifest.json");

        assertThat(artifacts.manifest(lora)).contains(winner[0]);
        assertThat(S3.store().readVerified(winner[0].files().get(0))).isEqualTo(bytes("first"));
        assertThat(S3.store().list(lora.prefix())).hasSize(3); // the manifest, the winner's file, the loser's
        artifacts.delete(lora);
        assertThat(S3.store().list(lora.prefix())).isEmpty();
    }

    @Test
    void aFilePublishedTwiceInOneArtifactIsRefusedBeforeAnyUpload() throws IOException {
        ArtifactFile file = ArtifactFile.of("w.safetensors", bytes("w"));

        assertThatThrownBy(() -> artifacts.publish(lora, "LORA", List.of(file, file), Map.of()))
                .hasMessageContaining("would get w.safetensors twice");
        assertThat(S3.store().list(lora.prefix())).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
