package io.sdtune.deploy.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The gateway's REST API as a user's program calls it (gateway/README.md): datasets, trainings, generations and
 * images, JSON in snake_case. A non-2xx answer throws {@link ApiException} with the problem body's detail.
 */
public final class GatewayClient {
    private static final Set<String> FINAL_TRAINING_STATES = Set.of("succeeded", "failed", "cancelled");
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    /** An image to upload, as a file of a dataset. */
    public record NamedImage(String fileName, byte[] bytes) {
    }

    /** A non-2xx answer: its status and its RFC 7807 body. */
    public static final class ApiException extends RuntimeException {
        private final int status;

        ApiException(String request, int status, String body) {
            super(request + " -> " + status + ": " + body);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final URI gateway;
    private final String apiKey;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    /** A client of the gateway at {@code gateway} that calls with the API key {@code apiKey}. */
    public GatewayClient(URI gateway, String apiKey) {
        this.gateway = gateway;
        this.apiKey = apiKey;
    }

    /** {@code POST /api/datasets}: the images as one multipart upload; returns the dataset id. */
    public String createDataset(List<NamedImage> images) {
        Multipart body = new Multipart();
        images.forEach(image -> body.file("images", image.fileName(), image.bytes()));
        return send(body.post(request("/api/datasets"))).get("dataset_id").asText();
    }

    /** {@code GET /api/adapters/{id}/files/{name}}: the file as the method wrote it (or {@code ?format=...}). */
    public byte[] adapterFile(String adapterId, String name, String format) {
        String query = format == null ? "" : "?format=" + format;
        return bytes(request("/api/adapters/" + adapterId + "/files/" + name + query).build());
    }

    /**
     * {@code POST /api/adapters}: imports a LoRA or an embedding ({@code kind}) as an adapter of the caller's
     * tenant; returns the adapter as the list shows it.
     */
    public JsonNode importAdapter(String kind, String name, NamedImage file) {
        Multipart body = new Multipart().field("kind", kind).field("name", name)
                .file("file", file.fileName(), file.bytes());
        return send(body.post(request("/api/adapters")));
    }

    /** {@code DELETE} of an API path ({@code /api/adapters/{id}}, ...). */
    public void delete(String path) {
        HttpRequest request = request(path).DELETE().build();
        HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new ApiException("DELETE " + path, response.statusCode(), response.body());
        }
    }

    /** {@code POST /api/trainings}; returns the job id. */
    public String startTraining(ObjectNode request) {
        return send(post("/api/trainings", request)).get("job_id").asText();
    }

    /** {@code GET /api/trainings/{id}}. */
    public JsonNode training(String jobId) {
        return send(get("/api/trainings/" + jobId));
    }

    /**
     * Polls the job until it succeeds, fails or is cancelled, handing each changed status to {@code progress};
     * returns the last status. Throws when {@code timeout} passes first.
     */
    public JsonNode awaitTraining(String jobId, Duration timeout, Consumer<JsonNode> progress) {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode last = null;
        while (true) {
            JsonNode status = training(jobId);
            if (!status.equals(last)) {
                progress.accept(status);
                last = status;
            }
            if (FINAL_TRAINING_STATES.contains(status.path("state").asText())) {
                return status;
            }
            awaitNextPoll(deadline, "training " + jobId);
        }
    }

    /** {@code GET /api/adapters}: the announced adapters, newest first. */
    public JsonNode adapters() {
        return send(get("/api/adapters"));
    }

    /** {@code POST /api/generations}; returns the request id. */
    public String generate(ObjectNode request) {
        return send(post("/api/generations", request)).get("request_id").asText();
    }

    /** Polls {@code GET /api/generations/{id}} until it is no longer pending; returns that status. */
    public JsonNode awaitGeneration(String requestId, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            JsonNode status = send(get("/api/generations/" + requestId));
            if (!"pending".equals(status.path("state").asText())) {
                return status;
            }
            awaitNextPoll(deadline, "generation " + requestId);
        }
    }

    /** The bytes of an image URL of a generation's status ({@code /api/images/...}). */
    public byte[] image(String url) {
        return bytes(request(url).build());
    }

    /** An address the API answered with ({@code /api/images/...}) as a whole URL. */
    public URI resolve(String url) {
        return gateway.resolve(url);
    }

    /** A new JSON object to fill in as a request body. */
    public ObjectNode object() {
        return json.createObjectNode();
    }

    /** A request of {@code path} with the caller's key, as every /api call needs it. */
    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(gateway.resolve(path)).header("Authorization", "Bearer " + apiKey);
    }

    private HttpRequest get(String path) {
        return request(path).header("Accept", "application/json").build();
    }

    private HttpRequest post(String path, JsonNode body) {
        try {
            return request(path)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] bytes(HttpRequest request) {
        HttpResponse<byte[]> response = exchange(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() / 100 != 2) {
            throw new ApiException(request.method() + " " + request.uri().getPath(), response.statusCode(),
                    new String(response.body(), StandardCharsets.UTF_8));
        }
        return response.body();
    }

    /** A {@code multipart/form-data} body: fields and files, in order. */
    private static final class Multipart {
        private final String boundary = "sdtune-" + UUID.randomUUID();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Multipart field(String name, String value) {
            part("name=\"" + name + "\"", "text/plain; charset=UTF-8", value.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Multipart file(String name, String fileName, byte[] bytes) {
            part("name=\"" + name + "\"; filename=\"" + fileName + "\"", "application/octet-stream", bytes);
            return this;
        }

        HttpRequest post(HttpRequest.Builder request) {
            body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return request.header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                    .build();
        }

        private void part(String disposition, String contentType, byte[] bytes) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; " + disposition
                    + "\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(bytes);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private JsonNode send(HttpRequest request) {
        HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new ApiException(request.method() + " " + request.uri().getPath(), response.statusCode(), response.body());
        }
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON from " + request.uri() + ": " + response.body(), e);
        }
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the gateway at " + gateway + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void awaitNextPoll(Instant deadline, String what) {
        if (Instant.now().isAfter(deadline)) {
            throw new IllegalStateException(what + " did not finish in time");
        }
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }
}
