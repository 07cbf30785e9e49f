package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Orphaned files and old images go; published artifacts, base models and young files stay. */
class SweeperTest {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private final ArtifactStore artifacts = new ArtifactStore(S3.store());
    /** Two days on: everything written by the test is a day older than a one-day grace. */
    private final Sweeper later = new Sweeper(artifacts, Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
    private final Sweeper now = new Sweeper(artifacts, Clock.systemUTC());

    @Test
    void filesNoManifestNamesGoOnceOlderThanTheGrace() throws IOException {
        Manifest published = artifacts.publish(Shelf.ADAPTERS.at("t1", "lora-1"), "LORA",
                List.of(ArtifactFile.of("w.safetensors", bytes("winner"))), Map.of());
        String loser = "tenants/t1/adapters/lora-1/p0123456789abcdef/w.safetensors";
        String crashed = "tenants/t2/datasets/ds-1/000.png";
        S3.store().put(loser, bytes("loser"));
        S3.store().put(crashed, bytes("png"));
        artifacts.publish(Shelf.MODELS.at("sd"), "BASE_MODEL", List.of(ArtifactFile.of("model_index.json", bytes("{}"))),
                Map.of());
        S3.store().put("models/sd/unpublished.bin", bytes("?"));

        assertThat(now.orphans(Duration.ofDays(1))).as("a publication may be under way").isEqualTo(new Sweeper.Swept(0, 0));
        Sweeper.Swept swept = later.orphans(Duration.ofDays(1));

        assertThat(swept).isEqualTo(new Sweeper.Swept(2, 8));
        assertThat(S3.store().list("tenants/")).containsExactlyInAnyOrder(published.files().get(0).key(),
                "tenants/t1/adapters/lora-1/manifest.json");
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at("t1", "lora-1"))).contains(published);
        assertThat(S3.store().list("models/")).contains("models/sd/unpublished.bin");
    }

    @Test
    void imagesOlderThanTheirRetentionGoBySet() throws IOException {
        ImageShelf images = new ImageShelf(S3.store());
        images.put("t1", "req-1", 0, bytes("drawn"));
        images.put("t1", ImageShelf.validationSet("job-1", 100), 0, bytes("validation"));

        assertThat(later.images(set -> Optional.of(Duration.ofDays(3))).objects()).isZero();
        Sweeper.Swept validations = later.images(set -> ImageShelf.isValidationSet(set) ? Optional.of(Duration.ofDays(1)) : Optional.empty());

        assertThat(validations.objects()).isEqualTo(1);
        assertThat(S3.store().list("tenants/")).containsExactly("tenants/t1/images/req-1/0.png");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
