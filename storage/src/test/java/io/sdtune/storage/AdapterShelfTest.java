package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An adapter published on a tenant's shelf, announced from its manifest, visible to no other tenant. */
class AdapterShelfTest {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private final AdapterShelf adapters = new AdapterShelf(new ArtifactStore(S3.store()));

    @Test
    void thePublishedAdapterIsAnnouncedFromItsManifestToItsTenantOnly() throws IOException {
        AdapterAnnouncement published = adapters.publish("t1", "lora-1", null, AdapterKind.LORA, "sd15", "job-1",
                List.of("sks", "<cat-toy>"), List.of(ArtifactFile.of("pytorch_lora_weights.safetensors", bytes("w"))));

        assertThat(published.tenant()).isEqualTo("t1");
        assertThat(published.triggerTokens()).containsExactly("sks", "<cat-toy>");
        assertThat(published.files()).extracting(StoredObject::key).singleElement().asString()
                .startsWith("tenants/t1/adapters/lora-1/").endsWith("/pytorch_lora_weights.safetensors");
        assertThat(adapters.existing("t1", "lora-1")).contains(published);
        assertThat(adapters.existing("t2", "lora-1")).isEmpty();
    }

    @Test
    void anImportedAdapterHasNoJobAndASecondPublicationLosesToTheFirst() throws IOException {
        AdapterAnnouncement first = adapters.publish("t1", "imported", "cat toy (civitai)", AdapterKind.EMBEDDING, "sd15", null,
                List.of("<cat-toy>"), List.of(ArtifactFile.of("learned_embeds.safetensors", bytes("first"))));
        AdapterAnnouncement second = adapters.publish("t1", "imported", "cat toy (civitai)", AdapterKind.EMBEDDING, "sd15", null,
                List.of("<cat-toy>"), List.of(ArtifactFile.of("learned_embeds.safetensors", bytes("second"))));

        assertThat(first.jobId()).isNull();
        assertThat(first.name()).isEqualTo("cat toy (civitai)");
        assertThat(second).isEqualTo(first);
    }

    @Test
    void aDeletedAdapterIsGoneWithItsFiles() throws IOException {
        adapters.publish("t1", "lora-2", null, AdapterKind.LORA, "sd15", "job-2", List.of(),
                List.of(ArtifactFile.of("pytorch_lora_weights.safetensors", bytes("w"))));

        adapters.delete("t1", "lora-2");

        assertThat(adapters.existing("t1", "lora-2")).isEmpty();
        assertThat(S3.store().list("tenants/t1/adapters/lora-2/")).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
