package io.sdtune.embedded.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 server answers on its endpoint, refuses unsigned requests, and keeps a given directory. */
class LocalS3Test {

    /** The status of an unsigned request to create a bucket. */
    private static int createBucketUnsigned(String endpoint) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "/new-bucket"))
                .PUT(HttpRequest.BodyPublishers.noBody()).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void refusesUnsignedRequests() throws Exception {
        try (LocalS3 s3 = LocalS3.start("key", "secret-key")) {
            assertThat(s3.endpoint()).startsWith("http://127.0.0.1:");
            assertThat(createBucketUnsigned(s3.endpoint())).isEqualTo(403);
        }
    }

    @Test
    void keepsAGivenDirectory(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("s3");
        try (LocalS3 s3 = LocalS3.start(data, 0, "key", "secret-key")) {
            assertThat(createBucketUnsigned(s3.endpoint())).isEqualTo(403);
        }
        assertThat(Files.isDirectory(data)).isTrue();
    }

    @Test
    void startsAgainOnItsEndpointOverItsDirectory(@TempDir Path dir) throws Exception {
        LocalS3 first = LocalS3.start(dir.resolve("s3"), 0, "key", "secret-key");
        first.close();
        assertThatThrownBy(() -> createBucketUnsigned(first.endpoint())).isInstanceOf(ConnectException.class);

        try (LocalS3 again = first.startAgain()) {
            assertThat(again.endpoint()).isEqualTo(first.endpoint());
            assertThat(createBucketUnsigned(again.endpoint())).isEqualTo(403);
        }
    }

    @Test
    void aTemporaryDirectoryCannotStartAgain() {
        LocalS3 s3 = LocalS3.start("key", "secret-key");
        s3.close();

        assertThatThrownBy(s3::startAgain).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("its temporary directory was deleted");
    }
}
