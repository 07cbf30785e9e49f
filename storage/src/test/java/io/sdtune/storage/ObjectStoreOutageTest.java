package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.embedded.s3.LocalS3;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store going away and coming back: a real S3 server stopped, then started again on the same port and
 * data, while a client with a retry policy waits; a lasting outage and a refusal end in an error that says so.
 */
class ObjectStoreOutageTest {
    private static final StoreRetry PATIENT = new StoreRetry(Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofSeconds(30));

    @TempDir
    Path data;
    private int port;
    private LocalS3 server;

    @BeforeEach
    void start() throws IOException {
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        server = LocalS3.start(data, port, S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void operationsWaitForAStoreThatIsRestartedOnItsData() throws Exception {
        try (ObjectStore objects = open(PATIENT)) {
            StoredFile before = objects.put("images/r/0.png", bytes("drawn before"));
            server.close();
            CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> server = LocalS3.start(data, port,
                    S3Server.ACCESS_KEY, S3Server.SECRET_KEY), CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS));

            StoredFile during = objects.put("images/r/1.png", bytes("drawn during the outage"));

            assertThat(restart).isDone();
            assertThat(objects.readVerified(before)).isEqualTo(bytes("drawn before"));
            assertThat(objects.readVerified(during)).isEqualTo(bytes("drawn during the outage"));
            assertThat(objects.list("images/r/")).containsExactly("images/r/0.png", "images/r/1.png");
        }
    }

    @Test
    void aLastingOutageFailsWhenTheRetryPolicyIsSpentAndSaysItMayPass() throws IOException {
        // A fixed delay (the back-off's bounds equal) is a policy too.
        try (ObjectStore objects = open(new StoreRetry(Duration.ofMillis(200), Duration.ofMillis(200),
                Duration.ofSeconds(1)))) {
            server.close();

            assertThatThrownBy(() -> objects.list("images/"))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.passing()).isTrue())
                    .hasMessageContaining("list sdtune/images/");
            server = LocalS3.start(data, port, S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
        }
    }

    @Test
    void aRefusalIsNotTriedAgain() throws IOException {
        StoreConfig wrongSecret = new StoreConfig(server.endpoint(), S3Server.ACCESS_KEY, "not-the-secret", "sdtune")
                .withRetry(new StoreRetry(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofHours(1)));

        assertThatThrownBy(() -> ObjectStore.open(wrongSecret))
                .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.passing()).isFalse());
    }

    /** The manifests' conditional write: of two writers of one key, the second is told, and changes nothing. */
    @Test
    void putIfAbsentWritesOnlyWhereNothingIs() throws IOException {
        try (ObjectStore objects = open(PATIENT)) {
            StoredFile first = objects.putIfAbsent("adapters/a/manifest.json", bytes("first"));

            assertThatThrownBy(() -> objects.putIfAbsent("adapters/a/manifest.json", bytes("second")))
                    .isInstanceOf(FileAlreadyExistsException.class)
                    .hasMessageContaining("adapters/a/manifest.json");
            assertThat(objects.readVerified(first)).isEqualTo(bytes("first"));
            assertThat(objects.list("adapters/")).isEqualTo(List.of("adapters/a/manifest.json"));
        }
    }

    private ObjectStore open(StoreRetry retry) throws IOException {
        return ObjectStore.open(new StoreConfig(server.endpoint(), S3Server.ACCESS_KEY, S3Server.SECRET_KEY, "sdtune")
                .withRetry(retry));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
