package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.contracts.training.SeedDefaults;
import io.sdtune.contracts.training.TrainingCancellation;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.contracts.training.TrainingMethod;
import io.sdtune.contracts.training.TrainingRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class TrainingResourceTest {

    @TestHTTPResource("/api/trainings")
    URI trainings;

    /** The request the gateway published for the job. */
    static TrainingRequest published(String jobId) {
        return JsonCodec.decode(Broker.await(Topics.TRAINING_REQUESTS, jobId).value().getBytes(StandardCharsets.UTF_8),
                TrainingRequest.class);
    }

    static String start(String body) {
        return given().contentType(ContentType.JSON).body(body)
                .when().post("/api/trainings")
                .then().statusCode(202).extract().path("job_id");
    }

    @Test
    void aTrainingIsPublishedWithTheSeedsDefaultsForItsMethod() {
        String datasetId = DatasetResourceTest.upload(3);

        String jobId = start("{\"method\": \"LORA\", \"dataset_id\": \"" + datasetId + "\","
                + " \"instance_prompt\": \"a photo of sks toy\", \"hyper_parameters\": {\"max_train_steps\": 10}}");

        TrainingRequest published = published(jobId);
        assertThat(published.method()).isEqualTo(TrainingMethod.LORA);
        assertThat(published.datasetId()).isEqualTo(datasetId);
        assertThat(published.images()).hasSize(3)
                .allSatisfy(image -> assertThat(image.key()).startsWith("tenants/tenant-a/datasets/" + datasetId + "/"));
        assertThat(published.hyperParameters()).usingRecursiveComparison().ignoringFields("maxTrainSteps", "resolution")
                .isEqualTo(SeedDefaults.of(TrainingMethod.LORA));
        assertThat(published.hyperParameters().maxTrainSteps()).isEqualTo(10);
        assertThat(published.hyperParameters().resolution()).as("the test profile's default base model's").isEqualTo(256);
        assertThat(published.hyperParameters().rank()).isEqualTo(4);
        assertThat(JsonCodec.decode(Broker.await(Topics.TRAINING_EVENTS, jobId).value().getBytes(StandardCharsets.UTF_8),
                TrainingEvent.class)).isEqualTo(new TrainingEvent.Queued(jobId, "tenant-a"));
        Broker.eventually("the job queued", () -> "queued".equals(
                given().get("/api/trainings/" + jobId).then().statusCode(200).extract().path("state")));
    }

    @Test
    void aCaptionedDatasetsTrainingNamesItsCaptionsAndAnUncaptionedOnesNone() {
        String captioned = given()
                .multiPart("images", "cat1.png", Images.noise("png", 32, 1), "image/png")
                .multiPart("images", "cat1.txt", "a <cat-toy> on a green background".getBytes(StandardCharsets.UTF_8),
                        "text/plain")
                .when().post("/api/datasets")
                .then().statusCode(201).extract().path("dataset_id");
        String plain = DatasetResourceTest.upload(1);
        String body = "{\"method\": \"LORA\", \"dataset_id\": \"%s\", \"instance_prompt\": \"a photo of sks toy\"}";

        TrainingRequest withCaptions = published(start(String.format(body, captioned)));
        TrainingRequest without = published(start(String.format(body, plain)));

        assertThat(withCaptions.images()).extracting(StoredObject::key)
                .containsExactly("tenants/tenant-a/datasets/" + captioned + "/000.png");
        assertThat(withCaptions.captions().key()).isEqualTo("tenants/tenant-a/datasets/" + captioned + "/metadata.jsonl");
        assertThat(without.captions()).isNull();
    }

    @Test
    void anotherBaseModelTrainsAtTheSeedsResolutionAndAGivenOneIsKept() {
        String datasetId = DatasetResourceTest.upload(1);

        String other = start("{\"method\": \"LORA\", \"dataset_id\": \"" + datasetId + "\", \"base_model_id\": \"sd-other\","
                + " \"instance_prompt\": \"a photo of sks toy\"}");
        String given = start("{\"method\": \"LORA\", \"dataset_id\": \"" + datasetId + "\","
                + " \"instance_prompt\": \"a photo of sks toy\", \"hyper_parameters\": {\"resolution\": 128}}");

        assertThat(published(other).hyperParameters().resolution()).isEqualTo(512);
        assertThat(published(given).hyperParameters().resolution()).isEqualTo(128);
    }

    @Test
    void theSeedsDefaultsAreServedPerMethodAtTheDefaultBaseModelsResolution() {
        given().when().get("/api/trainings/defaults/TEXTUAL_INVERSION")
                .then().statusCode(200)
                .body("resolution", equalTo(256))
                .body("learning_rate", equalTo(5e-4f))
                .body("gradient_accumulation_steps", equalTo(4))
                .body("scale_lr", equalTo(true))
                .body("$", not(hasKey("rank")));
    }

    @Test
    void theDefaultBaseModelIsDescribedForFormsThatFillForIt() {
        given().when().get("/api/models/default")
                .then().statusCode(200)
                .body("id", equalTo("stable-diffusion-v1-5"))
                .body("resolution", equalTo(256))
                .body("example_prompt", equalTo("A <cat-toy> backpack"))
                .body("instance_prompt", equalTo("a photo of <cat-toy>"))
                .body("guidance_scale", equalTo(7.5f));
    }

    @Test
    void anInvalidTrainingIsRefusedWithEveryProblem() {
        String datasetId = DatasetResourceTest.upload(1);

        given().contentType(ContentType.JSON)
                .body("{\"method\": \"TEXTUAL_INVERSION\", \"dataset_id\": \"" + datasetId + "\", \"job_id\": \"mine\","
                        + " \"hyper_parameters\": {\"learning_rate\": 5, \"rank\": 4}}")
                .when().post("/api/trainings")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("problems", hasItems(
                        "job_id is set by the gateway, leave it out",
                        "placeholder_token is required for TEXTUAL_INVERSION",
                        "initializer_token is required for TEXTUAL_INVERSION"))
                .body("problems.findAll { it.startsWith('hyper_parameters.learning_rate') }.size()", equalTo(1))
                .body("problems.findAll { it.startsWith('hyper_parameters.rank') }.size()", equalTo(1));
    }

    @Test
    void aBodyThatIsNotAJsonObjectIsAProblem() {
        given().contentType(ContentType.JSON).body("{\"method\": ").when().post("/api/trainings")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("[]").when().post("/api/trainings")
                .then().statusCode(400).body("problems", hasItems("the body must be a JSON object"));
    }

    @Test
    void aMisspelledFieldIsNamed() {
        given().contentType(ContentType.JSON)
                .body("{\"method\": \"LORA\", \"dataset_id\": \"x\", \"instance_prompt\": \"p\","
                        + " \"hyper_parameters\": {\"learning_rte\": 0.1}}")
                .when().post("/api/trainings")
                .then().statusCode(400)
                .body("problems[0]", containsString("did you mean learning_rate?"));
    }

    @Test
    void anUnknownDatasetIsNotFound() {
        given().contentType(ContentType.JSON)
                .body("{\"method\": \"LORA\", \"dataset_id\": \"no-such-dataset\", \"instance_prompt\": \"p\"}")
                .when().post("/api/trainings")
                .then().statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("no-such-dataset names no dataset"));
    }

    @Test
    void eventsShowInTheStatusAndTheStreamReplaysThenFollowsThem() throws Exception {
        String jobId = "job-events-1";
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Queued(jobId, "tenant-a"));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Started(jobId));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Started(jobId, 4)); // its first trainer died
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Progress(jobId, 5, 10, 0.25, 1e-4, 0.5, 2.5));
        Broker.eventually("the progress in the status", () -> "progress".equals(
                given().get("/api/trainings/" + jobId).then().extract().path("state")));
        given().when().get("/api/trainings/" + jobId)
                .then().statusCode(200)
                .body("step", equalTo(5)).body("total_steps", equalTo(10))
                .body("loss", equalTo(0.25f)).body("seconds_per_step", equalTo(0.5f)).body("eta_seconds", equalTo(2.5f))
                .body("resumed_from_step", equalTo(4));

        CompletableFuture<HttpResponse<Stream<String>>> stream = HttpClient.newHttpClient().sendAsync(
                HttpRequest.newBuilder(URI.create(trainings + "/" + jobId + "/events"))
                        .header("Authorization", Callers.bearer(Callers.TENANT_A)).build(),
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = stream.get(10, TimeUnit.SECONDS);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Succeeded(jobId, "adapter-1"));

        // the stream ends after the final event
        List<String> lines = CompletableFuture.supplyAsync(() -> response.body().toList())
                .get(Broker.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(lines).filteredOn(line -> line.startsWith("event:"))
                .extracting(line -> line.substring("event:".length()).trim())
                .containsExactly("queued", "started", "started", "progress", "succeeded");
        assertThat(lines).filteredOn(line -> line.startsWith("data:") && line.contains("\"type\":\"progress\""))
                .singleElement().asString()
                .contains("\"at\":\"20").contains("\"event\":{\"type\":\"progress\",\"job_id\":\"" + jobId + "\"")
                .contains("\"step\":5").contains("\"loss\":0.25");
        given().when().get("/api/trainings/" + jobId)
                .then().body("state", equalTo("succeeded")).body("adapter_id", equalTo("adapter-1"))
                .body("step", equalTo(5)).body("seconds_per_step", equalTo(0.5f)).body("eta_seconds", equalTo(0f));
    }

    @Test
    void checkpointsAndValidationRoundsKeepTheStateAndShowTheLatestImages() {
        String jobId = "job-validated-1";
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Queued(jobId, "tenant-a"));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Progress(jobId, 100, 400, 0.1, 1e-4, 0.5, 150));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Validation(jobId, 100, List.of(
                new StoredObject("tenants/tenant-a/images/" + jobId + ".validation-100/0.png", "a".repeat(64), 10L),
                new StoredObject("tenants/tenant-a/images/" + jobId + ".validation-100/1.png", "b".repeat(64), 10L))));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Checkpoint(jobId, 100, List.of(
                new StoredObject("tenants/tenant-a/checkpoints/" + jobId + ".checkpoint-100/training_state.safetensors", "c".repeat(64), 10L))));
        Broker.eventually("the validation images in the status", () -> given().get("/api/trainings/" + jobId)
                .then().extract().path("validation_images") != null);

        given().when().get("/api/trainings/" + jobId)
                .then().body("state", equalTo("progress")).body("step", equalTo(100))
                .body("validation_step", equalTo(100))
                .body("validation_images", contains("/api/images/" + jobId + ".validation-100/0.png",
                        "/api/images/" + jobId + ".validation-100/1.png"));
    }

    @Test
    void aFailureCarriesItsReason() {
        String jobId = "job-failed-1";
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Queued(jobId, "tenant-a"));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Failed(jobId, "CUDA out of memory at step 3"));
        Broker.eventually("the failure in the status", () -> "failed".equals(
                given().get("/api/trainings/" + jobId).then().extract().path("state")));
        given().when().get("/api/trainings/" + jobId).then().body("reason", equalTo("CUDA out of memory at step 3"));
    }

    @Test
    void cancellingPublishesACancellation() {
        String jobId = start("{\"method\": \"DREAMBOOTH\", \"dataset_id\": \"" + DatasetResourceTest.upload(1)
                + "\", \"instance_prompt\": \"a photo of sks dog\"}");

        given().when().delete("/api/trainings/" + jobId).then().statusCode(202);

        TrainingCancellation cancellation = JsonCodec.decode(Broker.await(Topics.TRAINING_CANCELLATIONS, jobId).value()
                .getBytes(StandardCharsets.UTF_8), TrainingCancellation.class);
        assertThat(cancellation.jobId()).isEqualTo(jobId);
    }

    @Test
    void anUnknownJobIsNotFound() {
        given().when().get("/api/trainings/no-such-job")
                .then().statusCode(404).contentType("application/problem+json");
        given().when().delete("/api/trainings/no-such-job").then().statusCode(404);
    }

    @Test
    void anEventThatDoesNotDecodeIsDeadLettered() {
        Broker.send(Topics.TRAINING_EVENTS, "job-poison", "{\"schema_version\": 1, \"type\": \"paused\"}");

        assertThat(Broker.await(Topics.deadLetterOf(Topics.TRAINING_EVENTS), "job-poison").value())
                .contains("paused").contains("\"reason\"");
    }
}
