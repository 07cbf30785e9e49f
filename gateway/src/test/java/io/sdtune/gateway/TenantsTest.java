package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.TENANT_B;
import static io.sdtune.gateway.Callers.as;
import static io.sdtune.gateway.Callers.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoredFile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenant A's dataset, job, adapter and generation, and tenant B, who can neither see nor use any of them - with
 * its API key or a JWT of its tenant: every answer is the one for an id that never existed (404), so ids cannot be
 * probed.
 */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class TenantsTest {
    @Inject
    ObjectStore objects;

    private String datasetId;
    private String jobId;
    private String adapterId;
    private String requestId;

    /** Tenant A's things, as the trainer and the generator (played by the test) would leave them. */
    @BeforeEach
    void tenantAHasADatasetAJobAnAdapterAndAGeneration() throws IOException {
        datasetId = given().multiPart("images", "a.png", Images.noise("png", 32, 1), "image/png")
                .post("/api/datasets").then().statusCode(201).extract().path("dataset_id");
        jobId = given().contentType(ContentType.JSON).body("{\"method\": \"LORA\", \"dataset_id\": \"" + datasetId
                + "\", \"instance_prompt\": \"a photo of sks toy\"}").post("/api/trainings")
                .then().statusCode(202).extract().path("job_id");
        adapterId = jobId;
        Broker.publish(Topics.ADAPTERS, new AdapterAnnouncement(adapterId, "tenant-a", null, AdapterKind.LORA,
                "stable-diffusion-v1-5", jobId, List.of(new StoredObject("tenants/tenant-a/adapters/" + adapterId
                        + "/pytorch_lora_weights.safetensors", "0".repeat(64), 1L)), List.of("sks")));
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Succeeded(jobId, adapterId));
        requestId = given().contentType(ContentType.JSON).body("{\"prompt\": \"a photo of sks toy\"}")
                .post("/api/generations").then().statusCode(202).extract().path("request_id");
        StoredFile image = objects.put(ImageShelf.key("tenant-a", requestId, 0), Images.noise("png", 64, 2));
        Broker.publish(Topics.GENERATION_RESULTS, new GenerationResult.Succeeded(requestId,
                List.of(image.asStoredObject()), new GenerationResult.Timings(1, 0, 10, 1)));
        Broker.eventually("tenant A's adapter listed and generation drawn", () ->
                given().get("/api/adapters").then().extract().<List<String>>path("id").contains(adapterId)
                        && "succeeded".equals(given().get("/api/generations/" + requestId).then().extract().path("state")));
    }

    @Test
    void tenantBSeesNothingOfTenantA() {
        as(TENANT_B).get("/api/adapters").then().statusCode(200).body("id", not(hasItem(adapterId)));
        as(TENANT_B).get("/api/generations").then().statusCode(200).body("request_id", not(hasItem(requestId)));
        as(TENANT_B).get("/api/trainings/" + jobId).then().statusCode(404)
                .body("detail", containsString("no training job " + jobId));
        as(TENANT_B).get("/api/trainings/" + jobId + "/events").then().statusCode(404);
        as(TENANT_B).get("/api/generations/" + requestId).then().statusCode(404);
        as(TENANT_B).get("/api/images/" + requestId + "/0.png").then().statusCode(404);

        given().get("/api/trainings/" + jobId).then().statusCode(200);
        given().get("/api/images/" + requestId + "/0.png").then().statusCode(200);
    }

    /** A JWT's tenant claim draws the same line as an API key's tenant. */
    @Test
    void aJwtOfAnotherTenantSeesNothingAndOneOfTheOwnerSeesItAll() {
        String theirs = TestIssuer.sign(TestIssuer.claims("bob").claim("tenant", "tenant-b"));
        String owners = TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", "tenant-a"));

        as(theirs).get("/api/trainings/" + jobId).then().statusCode(404);
        as(theirs).get("/api/images/" + requestId + "/0.png").then().statusCode(404);
        as(theirs).get("/api/adapters").then().statusCode(200).body("id", not(hasItem(adapterId)));
        as(owners).get("/api/trainings/" + jobId).then().statusCode(200);
        as(owners).get("/api/images/" + requestId + "/0.png").then().statusCode(200);
        as(owners).get("/api/adapters").then().statusCode(200).body("id", hasItem(adapterId));
    }

    @Test
    void tenantBCanChangeNothingOfTenantA() {
        as(TENANT_B).delete("/api/trainings/" + jobId).then().statusCode(404);
        as(TENANT_B).delete("/api/generations/" + requestId).then().statusCode(404);
        as(TENANT_B).delete("/api/datasets/" + datasetId).then().statusCode(404);
        as(TENANT_B).contentType(ContentType.JSON).body("{\"method\": \"LORA\", \"dataset_id\": \"" + datasetId
                + "\", \"instance_prompt\": \"a photo of sks toy\"}").post("/api/trainings")
                .then().statusCode(404).body("detail", containsString("names no dataset"));

        given().get("/api/generations/" + requestId).then().statusCode(200);
        given().get("/api/images/" + requestId + "/0.png").then().statusCode(200);
        assertThat(given().get("/api/trainings/" + jobId).then().extract().<String>path("state")).isEqualTo("succeeded");
    }

    /** B may name A's adapter: the request carries B as its tenant, and the generator knows no such adapter of B's. */
    @Test
    void theTenantOfARequestIsTheCallersNeverTheBodys() {
        String theirs = as(TENANT_B).contentType(ContentType.JSON).body("{\"prompt\": \"a photo of sks toy\", "
                + "\"adapters\": [{\"adapter_id\": \"" + adapterId + "\"}]}").post("/api/generations")
                .then().statusCode(202).extract().path("request_id");

        ConsumerRecord<String, String> record = Broker.awaitHolding(Topics.GENERATION_REQUESTS, adapterId, theirs);
        assertThat(JsonCodec.decode(record.value().getBytes(StandardCharsets.UTF_8), GenerationRequest.class).tenant())
                .isEqualTo("tenant-b");
        ConsumerRecord<String, String> job = Broker.await(Topics.TRAINING_REQUESTS, jobId);
        assertThat(JsonCodec.decode(job.value().getBytes(StandardCharsets.UTF_8), TrainingRequest.class).tenant())
                .isEqualTo("tenant-a");
        as(TENANT_B).contentType(ContentType.JSON).body("{\"prompt\": \"a dog\", \"tenant\": \"tenant-a\"}")
                .post("/api/generations").then().statusCode(400)
                .body("problems", hasItem("tenant is set by the gateway, leave it out"));
    }

    @Test
    void theOwnerDeletesAGenerationAndADataset() throws IOException {
        given().delete("/api/generations/" + requestId).then().statusCode(204);

        given().get("/api/generations/" + requestId).then().statusCode(404);
        given().get("/api/images/" + requestId + "/0.png").then().statusCode(404);
        given().get("/api/generations").then().body("request_id", not(hasItem(requestId)));
        assertThat(objects.list(ImageShelf.folder("tenant-a", requestId))).isEmpty();
        assertThat(Broker.awaitTombstone(Topics.GENERATION_RESULTS, requestId).value()).as("the deletion, for every gateway")
                .isNull();

        // a generator that was still drawing it answers late: nothing comes back
        StoredFile late = objects.put(ImageShelf.key("tenant-a", requestId, 0), Images.noise("png", 64, 3));
        Broker.publish(Topics.GENERATION_RESULTS, new GenerationResult.Succeeded(requestId, List.of(late.asStoredObject()),
                new GenerationResult.Timings(1, 0, 10, 1)));
        Broker.eventually("the late image removed", () -> list(ImageShelf.folder("tenant-a", requestId)).isEmpty());
        given().get("/api/generations/" + requestId).then().statusCode(404);

        given().delete("/api/datasets/" + datasetId).then().statusCode(204);
        given().delete("/api/datasets/" + datasetId).then().statusCode(404);
        assertThat(objects.list("tenants/tenant-a/datasets/" + datasetId + "/")).isEmpty();
        given().contentType(ContentType.JSON).body("{\"method\": \"LORA\", \"dataset_id\": \"" + datasetId
                + "\", \"instance_prompt\": \"a photo of sks toy\"}").post("/api/trainings").then().statusCode(404);
    }

    private List<String> list(String prefix) {
        try {
            return objects.list(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
