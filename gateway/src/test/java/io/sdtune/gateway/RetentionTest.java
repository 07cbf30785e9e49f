package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.gateway.generation.Generations;
import io.sdtune.gateway.state.StoreSweeper;
import io.sdtune.gateway.training.TrainingJobs;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.ObjectStore;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the gateway keeps of the topics, with 3 jobs and 3 generations at most and the default 7 days: a
 * dropped id answers 404 like one never seen; and what the store keeps of images. Waits on the gateway's beans
 * rather than polling its API.
 */
@QuarkusTest
@TestProfile(TightLimits.class)
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RetentionTest {
    @Inject
    Generations generations;
    @Inject
    StoreSweeper sweeper;
    @Inject
    ObjectStore objects;
    @Inject
    TrainingJobs jobs;

    private static final String TENANT = "tenant-a";

    private static String id() {
        return UUID.randomUUID().toString();
    }

    /** A generation of the test's tenant, requested and failed at {@code at}. */
    private static void failedGeneration(String requestId, Instant at) {
        Broker.publish(Topics.GENERATION_REQUESTS, new GenerationRequest(requestId, TENANT, "sd15", "a dog", null, null,
                null, null, null, 1L, null, null, null), at);
        Broker.publish(Topics.GENERATION_RESULTS, new GenerationResult.Failed(requestId, "test"), at);
    }

    /** A job of the test's tenant, queued and started at {@code at}. */
    private static void startedJob(String jobId, Instant at) {
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Queued(jobId, TENANT), at);
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Started(jobId), at);
    }

    @Test
    void pastTheCountTheOldestFinishedGenerationsGoAPendingOneStays() {
        String pending = given().contentType(ContentType.JSON).body("{\"prompt\": \"still drawing\"}")
                .when().post("/api/generations")
                .then().statusCode(202).extract().path("request_id");
        List<String> finished = List.of(id(), id(), id(), id());
        Instant start = Instant.now().minusSeconds(60);
        for (int i = 0; i < finished.size(); i++) {
            failedGeneration(finished.get(i), start.plusSeconds(i));
        }
        Broker.eventually("the last result read", () -> generations.status(TENANT, finished.get(3))
                .filter(status -> status.state().equals("failed")).isPresent());

        given().get("/api/generations/" + pending).then().statusCode(200).body("state", equalTo("pending"));
        given().get("/api/generations/" + finished.get(0)).then().statusCode(404);
        given().get("/api/generations/" + finished.get(1)).then().statusCode(404);
        given().get("/api/generations/" + finished.get(2)).then().statusCode(200).body("state", equalTo("failed"));
        given().get("/api/generations/" + finished.get(3)).then().statusCode(200);
    }

    @Test
    void aJobOrGenerationLastUpdatedMoreThanSevenDaysAgoIsUnknown() {
        Instant eightDaysAgo = Instant.now().minus(Duration.ofDays(8));
        String oldJob = id();
        String oldGeneration = id();
        String newJob = id();
        String newGeneration = id();
        startedJob(oldJob, eightDaysAgo);
        failedGeneration(oldGeneration, eightDaysAgo);
        startedJob(newJob, Instant.now());
        failedGeneration(newGeneration, Instant.now());
        Broker.eventually("the records after the old ones read", () -> jobs.status(TENANT, newJob)
                .filter(status -> status.state().equals("started")).isPresent()
                && generations.status(TENANT, newGeneration).filter(status -> status.state().equals("failed")).isPresent());

        given().get("/api/trainings/" + oldJob).then().statusCode(404);
        given().get("/api/trainings/" + oldJob + "/events").then().statusCode(404);
        given().get("/api/generations/" + oldGeneration).then().statusCode(404);
        given().get("/api/trainings/" + newJob).then().statusCode(200).body("state", equalTo("started"));
    }

    /** The profile keeps generated images for 1 s and validation images for a day. */
    @Test
    void theSweepRemovesImagesPastTheirRetention() throws Exception {
        String generated = ImageShelf.key(TENANT, id(), 0);
        String validation = ImageShelf.key(TENANT, ImageShelf.validationSet(id(), 100), 0);
        objects.put(generated, Images.noise("png", 16, 1));
        objects.put(validation, Images.noise("png", 16, 2));
        Thread.sleep(1500);

        sweeper.sweep();

        assertThat(objects.list(ObjectKeys.tenant(TENANT))).doesNotContain(generated).contains(validation);
    }
}
