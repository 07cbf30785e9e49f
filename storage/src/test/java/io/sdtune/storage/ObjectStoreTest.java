package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.embedded.s3.LocalS3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bucket over a real S3 server: creation at start, put, get, list, delete. */
class ObjectStoreTest {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private final ObjectStore store = S3.store();

    @Test
    void openingCreatesTheBucketAndOpeningAgainKeepsWhatItHolds() throws IOException {
        try (ObjectStore first = S3.open("fresh-bucket")) {
            first.put("images/r/0.png", bytes("png"));
        }
        try (ObjectStore again = S3.open("fresh-bucket")) {
            assertThat(again.list("images/")).containsExactly("images/r/0.png");
            again.delete("images/r/0.png");
        }
    }

    @Test
    void putReturnsTheSha256AndSizeAndTheBytesComeBackVerified() throws IOException {
        StoredFile image = store.put(ImageShelf.key("t1", "req-1", 0), bytes("test"));

        assertThat(image).isEqualTo(new StoredFile("tenants/t1/images/req-1/0.png",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 4));
        assertThat(store.readVerified(image)).isEqualTo(bytes("test"));
        try (InputStream raw = store.open(image.key())) {
            assertThat(raw.readAllBytes()).isEqualTo(bytes("test"));
        }
    }

    @Test
    void listingIsRecursiveAndOrderedAndDeletingRemoves() throws IOException {
        store.put("images/r/1.png", bytes("1"));
        store.put("images/r/0.png", bytes("0"));
        store.put("images/q/0.png", bytes("q"));
        store.put("models/m/x", bytes("m"));

        assertThat(store.list("images/")).containsExactly("images/q/0.png", "images/r/0.png", "images/r/1.png");

        store.delete("images/r/0.png");
        store.delete("images/r/0.png");
        assertThat(store.list("images/r/")).containsExactly("images/r/1.png");
    }

    @Test
    void aMissingObjectIsNoSuchFileNamingItsKey() {
        assertThatThrownBy(() -> store.open("images/none/0.png"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("images/none/0.png")
                .hasMessageContaining("no such object in bucket sdtune");
    }

    @Test
    void aStreamThatDoesNotHoldTheAnnouncedSizeIsRefused() {
        assertThatThrownBy(() -> store.put("k/short", () -> new ByteArrayInputStream(bytes("abc")), 4))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("k/short");
        assertThatThrownBy(() -> store.put("k/long", () -> new ByteArrayInputStream(bytes("abcde")), 4))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("more than the 4 bytes announced");
    }

    @Test
    void aLargeObjectIsStreamedUpAndBackInPartsWithoutBeingHeldInMemory() throws IOException {
        long size = 300L << 20;
        assertThat(Runtime.getRuntime().maxMemory()).as("the test JVM's heap (-Xmx in pom.xml)").isLessThan(size);
        String expected;
        try (Sha256InputStream reference = new Sha256InputStream(new SyntheticStream(size, 7))) {
            reference.transferTo(OutputStream.nullOutputStream());
            expected = reference.sha256();
        }

        StoredFile stored = store.put("models/big/unet.safetensors", () -> new SyntheticStream(size, 7), size);

        assertThat(stored.sha256()).isEqualTo(expected);
        assertThat(stored.size()).isEqualTo(size);
        try (InputStream in = store.openVerified(stored)) {
            assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(size);
        }
    }

    /** The embedded default keeps its objects under a directory the user names, perhaps a relative one. */
    @Test
    void aServerOverARelativeDirectoryTakesObjectsInParts() throws IOException {
        long size = 12L << 20;
        try (LocalS3 relative = LocalS3.start(Path.of("target", "relative-s3"), 0, S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
                ObjectStore objects = ObjectStore.open(new StoreConfig(relative.endpoint(), S3Server.ACCESS_KEY,
                        S3Server.SECRET_KEY, "sdtune"))) {
            StoredFile stored = objects.put("models/m/unet.safetensors", () -> new SyntheticStream(size, 3), size);

            try (InputStream in = objects.openVerified(stored)) {
                assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(size);
            }
            objects.delete(stored.key());
        }
    }

    @Test
    void unsignedOrWronglySignedRequestsAreRefusedByTheServer() throws Exception {
        HttpResponse<Void> unsigned = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(S3.endpoint() + "/sdtune/")).build(), BodyHandlers.discarding());
        StoreConfig wrong = new StoreConfig(S3.endpoint(), S3Server.ACCESS_KEY, "not-the-secret", "sdtune");

        assertThat(unsigned.statusCode()).isEqualTo(403);
        assertThatThrownBy(() -> ObjectStore.open(wrong))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("create bucket sdtune/");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
