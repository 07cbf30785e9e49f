package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.sdtune.storage.ObjectStore;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Request bodies within their route's bound: JSON at most 1 MiB (the default), an upload at most the test
 * profile's 5 images of 64 KiB, each with a caption file of 4003 bytes and 64 KiB of headers for each part
 * (1003055 bytes), whether declared or streamed.
 */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class BodyLimitsTest {
    private static final int MAX_JSON = 1_048_576;
    private static final int MAX_UPLOAD = 5 * (65_536 + 4_003 + 2 * 65_536);
    private static final Path UPLOADS = Path.of("target/uploads");

    @Inject
    ObjectStore objects;

    /** {"prompt": "aaa..."} of exactly {@code bytes} bytes. */
    private static byte[] generationOf(int bytes) {
        String head = "{\"prompt\": \"";
        String tail = "\"}";
        return (head + "a".repeat(bytes - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aJsonBodyOfTheLimitIsReadOneByteMoreIs413() {
        given().contentType(ContentType.JSON).body(generationOf(MAX_JSON))
                .when().post("/api/generations")
                .then().statusCode(400)
                .body("problems", hasItem(containsString("prompt")));

        given().contentType(ContentType.JSON).body(generationOf(MAX_JSON + 1))
                .when().post("/api/generations")
                .then().statusCode(413)
                .contentType("application/problem+json")
                .header("Connection", "close")
                .body("title", equalTo("Request Entity Too Large"))
                .body("detail", equalTo("the body has 1048577 bytes, at most 1048576 bytes for a JSON body "
                        + "(sdtune.gateway.max-json-bytes)"));
    }

    @Test
    void aStreamedJsonBodyIsRefusedAtTheBytePastTheLimit() throws Exception {
        HttpResponse<String> answer = streamed("/api/trainings", "application/json", generationOf(4 * MAX_JSON));

        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.body()).contains("the body is larger than 1048576 bytes, at most 1048576 bytes for a JSON body");
    }

    @Test
    void aDeclaredTwoGigabyteBodyIsRefusedBeforeItIsSent() {
        long start = System.nanoTime();
        RawHttp.Answer answer = RawHttp.exchange("127.0.0.1", "POST /api/generations HTTP/1.1\r\n"
                + "Authorization: " + Callers.bearer(Callers.TENANT_A) + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2000000000", "{\"prompt\": ".getBytes());
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.body()).contains("the body has 2000000000 bytes, at most 1048576 bytes");
        assertThat(answer.closed()).as("the connection closed, not waiting for 2 GB").isTrue();
        assertThat(millis).as("answered at once").isLessThan(5_000);
    }

    @Test
    void anUploadAboveItsBoundIs413AndLeavesNothing() throws IOException {
        List<String> before = objects.list("tenants/tenant-a/datasets/");
        byte[] file = new byte[MAX_UPLOAD];
        new Random(1).nextBytes(file);

        given().multiPart("images", "huge.png", file, "image/png")
                .when().post("/api/datasets")
                .then().statusCode(413)
                .contentType("application/problem+json")
                .body("detail", containsString("at most 1003055 bytes for a dataset upload (5 images of 65536 bytes"));

        assertThat(objects.list("tenants/tenant-a/datasets/")).isEqualTo(before);
    }

    @Test
    void aStreamedUploadIsRefusedAtItsBoundAndItsFileIsDeleted() throws Exception {
        List<String> before = objects.list("tenants/tenant-a/datasets/");
        byte[] file = new byte[2 * MAX_UPLOAD];
        new Random(2).nextBytes(file);

        HttpResponse<String> answer = streamed("/api/datasets", "multipart/form-data; boundary=limit",
                multipart("limit", "huge.png", file));

        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.body()).contains("the body is larger than 1003055 bytes");
        assertThat(objects.list("tenants/tenant-a/datasets/")).isEqualTo(before);
        Broker.eventually("the part streamed to disk deleted", () -> filesIn(UPLOADS).isEmpty());
    }

    /** POSTs {@code body} in chunks, of no declared length. */
    private static HttpResponse<String> streamed(String path, String contentType, byte[] body) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .header("Content-Type", contentType)
                .header("Authorization", Callers.bearer(Callers.TENANT_A))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] multipart(String boundary, String fileName, byte[] content) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"" + fileName
                + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    private static List<Path> filesIn(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
