package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.diffusion.image.Png;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoredFile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class GenerationResourceTest {
    private static final String SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Inject
    ObjectStore objects;

    @Test
    void anAnnouncedAdapterIsListed() {
        Broker.publish(Topics.ADAPTERS, new AdapterAnnouncement("cat-toy-lora", "tenant-a", null, AdapterKind.LORA,
                "stable-diffusion-v1-5", "job-1",
                List.of(new StoredObject("adapters/cat-toy-lora/pytorch_lora_weights.safetensors", SHA256, 3_279_136L)),
                List.of("<cat-toy>")));

        Broker.eventually("the adapter in the list", () -> given().get("/api/adapters").then().extract()
                .<List<String>>path("id").contains("cat-toy-lora"));
        given().when().get("/api/adapters")
                .then().statusCode(200)
                .body("find { it.id == 'cat-toy-lora' }.kind", equalTo("LORA"))
                .body("find { it.id == 'cat-toy-lora' }.base_model_id", equalTo("stable-diffusion-v1-5"))
                .body("find { it.id == 'cat-toy-lora' }.trigger_tokens", contains("<cat-toy>"))
                .body("find { it.id == 'cat-toy-lora' }.size_bytes", equalTo(3_279_136))
                .body("find { it.id == 'cat-toy-lora' }.created", containsString("T"));
    }

    @Test
    void aGenerationIsPublishedThenShowsItsImageWhichIsServed() throws IOException {
        String requestId = given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"A <cat-toy> backpack\", \"adapters\": [{\"adapter_id\": \"cat-toy-lora\", \"scale\": 0.8}],"
                        + " \"num_inference_steps\": 20, \"width\": 64, \"height\": 64}")
                .when().post("/api/generations")
                .then().statusCode(202).extract().path("request_id");

        ConsumerRecord<String, String> record = Broker.await(Topics.GENERATION_REQUESTS, "cat-toy-lora");
        GenerationRequest published = JsonCodec.decode(record.value().getBytes(StandardCharsets.UTF_8),
                GenerationRequest.class);
        assertThat(published.requestId()).isEqualTo(requestId);
        assertThat(published.numInferenceSteps()).isEqualTo(20);
        assertThat(published.guidanceScale()).isEqualTo(7.5);
        assertThat(published.scheduler()).isEqualTo("dpmpp_2m");
        assertThat(published.numImagesPerPrompt()).isEqualTo(1);
        assertThat(published.seed()).isNotNull();
        given().when().get("/api/generations/" + requestId).then().statusCode(200).body("state", equalTo("pending"));

        byte[] png = Images.noise("png", 64, 7);
        StoredFile image = objects.put(ImageShelf.key("tenant-a", requestId, 0), png);
        Broker.publish(Topics.GENERATION_RESULTS, new GenerationResult.Succeeded(requestId,
                List.of(new StoredObject(image.key(), image.sha256(), image.size())),
                new GenerationResult.Timings(5, 0, 1200, 30)));

        Broker.eventually("the result in the status", () -> "succeeded".equals(
                given().get("/api/generations/" + requestId).then().extract().path("state")));
        String url = given().when().get("/api/generations/" + requestId)
                .then().body("images", contains("/api/images/" + requestId + "/0.png"))
                .extract().path("images[0]");
        byte[] served = given().when().get(url).then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        assertThat(served).isEqualTo(png);
    }

    @Test
    void aGenerationThatLeavesOutItsSizeGetsTheDefaultBaseModelsElseTheSeeds() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"a toy\", \"adapters\": [{\"adapter_id\": \"sized-by-default\"}]}")
                .when().post("/api/generations").then().statusCode(202);
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"a toy\", \"base_model_id\": \"sd-other\", \"adapters\": [{\"adapter_id\": \"sized-by-seed\"}]}")
                .when().post("/api/generations").then().statusCode(202);

        // the test profile's default base model is 256 px
        GenerationRequest forDefault = JsonCodec.decode(Broker.await(Topics.GENERATION_REQUESTS, "sized-by-default").value()
                .getBytes(StandardCharsets.UTF_8), GenerationRequest.class);
        GenerationRequest forOther = JsonCodec.decode(Broker.await(Topics.GENERATION_REQUESTS, "sized-by-seed").value()
                .getBytes(StandardCharsets.UTF_8), GenerationRequest.class);
        assertThat(List.of(forDefault.width(), forDefault.height())).containsExactly(256, 256);
        assertThat(List.of(forOther.width(), forOther.height())).containsExactly(512, 512);
    }

    @Test
    void aPngsParametersAreDrawnAgainWithTheAdaptersItsPromptNames() throws IOException {
        // As the generator and AUTOMATIC1111 write them: <lora:ID:SCALE> after the prompt, then the settings line.
        Path file = Files.createTempFile("redraw", ".png");
        Png.write(file, 8, 8, new byte[8 * 8 * 3], Map.of("parameters", "A <cat-toy> backpack <lora:redraw-lora:0.7>\n"
                + "Negative prompt: blurry\nSteps: 12, Sampler: DDIM, Schedule type: Automatic, CFG scale: 6.5, "
                + "Seed: 1234, Size: 128x64, Model: stable-diffusion-v1-5"));

        String requestId = given().contentType("image/png").body(Files.readAllBytes(file))
                .when().post("/api/generations/from-png").then().statusCode(202).extract().path("request_id");

        GenerationRequest published = JsonCodec.decode(Broker.await(Topics.GENERATION_REQUESTS, "redraw-lora").value()
                .getBytes(StandardCharsets.UTF_8), GenerationRequest.class);
        assertThat(published.requestId()).isEqualTo(requestId);
        assertThat(published.prompt()).isEqualTo("A <cat-toy> backpack");
        assertThat(published.negativePrompt()).isEqualTo("blurry");
        assertThat(List.of(published.numInferenceSteps(), published.width(), published.height()))
                .containsExactly(12, 128, 64);
        assertThat(published.guidanceScale()).isEqualTo(6.5);
        assertThat(published.scheduler()).isEqualTo("ddim");
        assertThat(published.seed()).isEqualTo(1234L);
        assertThat(published.adapters()).containsExactly(new AppliedAdapter("redraw-lora", 0.7));
    }

    @Test
    void aPngWithoutParametersOrAnUnknownSamplerIsRefusedWithTheReason() throws IOException {
        Path bare = Files.createTempFile("bare", ".png");
        Png.write(bare, 8, 8, new byte[8 * 8 * 3], Map.of());
        Path karras = Files.createTempFile("karras", ".png");
        Png.write(karras, 8, 8, new byte[8 * 8 * 3], Map.of("parameters", "a cat\nSteps: 20, Sampler: DPM++ 2M, "
                + "Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 64x64"));

        given().contentType("image/png").body(Files.readAllBytes(bare)).when().post("/api/generations/from-png")
                .then().statusCode(400).body("detail", containsString("no 'parameters' text"));
        given().contentType("image/png").body(Files.readAllBytes(karras)).when().post("/api/generations/from-png")
                .then().statusCode(400).body("detail", containsString("schedule type 'Karras'"));
        given().contentType("image/png").body(new byte[] {1, 2, 3}).when().post("/api/generations/from-png")
                .then().statusCode(400).body("detail", containsString("not a PNG"));
    }

    @Test
    void aFailedGenerationCarriesItsReason() {
        String requestId = given().contentType(ContentType.JSON).body("{\"prompt\": \"a cat\", \"seed\": 42}")
                .when().post("/api/generations").then().statusCode(202).extract().path("request_id");

        Broker.publish(Topics.GENERATION_RESULTS, new GenerationResult.Failed(requestId, "unknown adapter x"));

        Broker.eventually("the failure in the status", () -> "failed".equals(
                given().get("/api/generations/" + requestId).then().extract().path("state")));
        given().when().get("/api/generations/" + requestId).then().body("reason", equalTo("unknown adapter x"));
    }

    @Test
    void aRequestAnotherGatewayPublishedIsPendingHereToo() {
        String elsewhere = UUID.randomUUID().toString();

        Broker.publish(Topics.GENERATION_REQUESTS, new GenerationRequest(elsewhere, "tenant-a", "stable-diffusion-v1-5",
                "taken by another gateway", "", List.of(), 20, 7.5, "dpmpp_2m", 42L, 64, 64, 1));

        Broker.eventually("the request known here", () -> given().get("/api/generations/" + elsewhere)
                .then().extract().statusCode() == 200);
        given().when().get("/api/generations/" + elsewhere)
                .then().body("state", equalTo("pending")).body("prompt", equalTo("taken by another gateway"));
    }

    @Test
    void recentGenerationsOfAnyClientAreListedNewestFirstWithTheirPrompts() throws IOException {
        // given a generation another client published straight onto the topic, drawn
        String elsewhere = UUID.randomUUID().toString();
        Broker.publish(Topics.GENERATION_REQUESTS, new GenerationRequest(elsewhere, "tenant-a", "stable-diffusion-v1-5",
                "drawn elsewhere", "", List.of(), 20, 7.5, "dpmpp_2m", 42L, 64, 64, 1));
        StoredFile image = objects.put(ImageShelf.key("tenant-a", elsewhere, 0), Images.noise("png", 64, 3));
        Broker.publish(Topics.GENERATION_RESULTS, new GenerationResult.Succeeded(elsewhere,
                List.of(new StoredObject(image.key(), image.sha256(), image.size())),
                new GenerationResult.Timings(5, 0, 1200, 30)));
        Broker.eventually("the other client's generation listed with its prompt", () -> "drawn elsewhere".equals(
                given().get("/api/generations?limit=1000").then().extract()
                        .path("find { it.request_id == '" + elsewhere + "' }.prompt")));

        // when one is submitted here afterwards
        String here = given().contentType(ContentType.JSON).body("{\"prompt\": \"drawn here\", \"seed\": 7}")
                .when().post("/api/generations").then().statusCode(202).extract().path("request_id");

        // then it comes first, pending, and the other one follows with its image
        List<String> ids = given().when().get("/api/generations?limit=1000").then().statusCode(200)
                .body("find { it.request_id == '" + here + "' }.state", equalTo("pending"))
                .body("find { it.request_id == '" + here + "' }.prompt", equalTo("drawn here"))
                .body("find { it.request_id == '" + elsewhere + "' }.state", equalTo("succeeded"))
                .body("find { it.request_id == '" + elsewhere + "' }.images",
                        contains("/api/images/" + elsewhere + "/0.png"))
                .extract().path("request_id");
        assertThat(ids.indexOf(here)).isNotNegative().isLessThan(ids.indexOf(elsewhere));
        given().when().get("/api/generations?limit=1").then().statusCode(200).body("size()", equalTo(1));
        given().when().get("/api/generations/" + elsewhere).then().body("prompt", equalTo("drawn elsewhere"));
    }

    @Test
    void aLimitOutOfRangeIsRefused() {
        given().when().get("/api/generations?limit=0")
                .then().statusCode(400).contentType("application/problem+json")
                .body("problems", contains("limit must be >= 1 and <= 1000, got 0"));
    }

    @Test
    void anInvalidGenerationIsRefusedWithEveryProblem() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"\", \"width\": 100, \"num_inference_steps\": 500, \"scheduler\": \"lms\"}")
                .when().post("/api/generations")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("problems.size()", equalTo(4))
                .body("problems", hasItem(containsString("width")))
                .body("problems", hasItem(containsString("num_inference_steps")))
                .body("problems", hasItem(containsString("scheduler")));
    }

    @Test
    void anAbsentImageIsNotFound() {
        given().when().get("/api/images/no-such-request/0.png")
                .then().statusCode(404).contentType("application/problem+json");
        given().when().get("/api/generations/no-such-request").then().statusCode(404);
    }

    @Test
    void theWebUiIsServed() {
        given().when().get("/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("app.js"));
        given().when().get("/app.js").then().statusCode(200).body(containsString("/api/trainings/defaults/"));
    }

    @Test
    void openApiHealthAndMetricsAreServed() {
        given().when().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/trainings/{id}/events"))
                .body(containsString("TrainingRequest")).body(containsString("max_train_steps"));
        given().when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
    }
}
