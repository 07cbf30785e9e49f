package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.gateway.generation.Generations;
import io.sdtune.gateway.training.TrainingJobs;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the gateway keeps of the topics, with 3 jobs and 3 generations at most and the default 7 days: a
 * dropped id answers 404 like one never seen. Waits on the gateway's beans rather than polling its API.
 */
@QuarkusTest
@TestProfile(TightLimits.class)
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RetentionTest {
    @Inject
    Generations generations;
    @Inject
    TrainingJobs jobs;

    private static String id() {
        return UUID.randomUUID().toString();
    }

    private static GenerationResult failed(String requestId) {
        return new GenerationResult.Failed(requestId, "test");
    }

    @Test
    void pastTheCountTheOldestFinishedGenerationsGoAPendingOneStays() {
        String pending = given().contentType(ContentType.JSON).body("{\"prompt\": \"still drawing\"}")
                .when().post("/api/generations")
                .then().statusCode(202).extract().path("request_id");
        List<String> finished = List.of(id(), id(), id(), id());
        Instant start = Instant.now().minusSeconds(60);
        for (int i = 0; i < finished.size(); i++) {
            Broker.publish(Topics.GENERATION_RESULTS, failed(finished.get(i)), start.plusSeconds(i));
        }
        Broker.eventually("the last result read", () -> generations.status(finished.get(3)).isPresent());

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
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Started(oldJob), eightDaysAgo);
        Broker.publish(Topics.GENERATION_RESULTS, failed(oldGeneration), eightDaysAgo);
        Broker.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Started(newJob));
        Broker.publish(Topics.GENERATION_RESULTS, failed(newGeneration));
        Broker.eventually("the records after the old ones read", () -> jobs.status(newJob).isPresent()
                && generations.status(newGeneration).isPresent());

        given().get("/api/trainings/" + oldJob).then().statusCode(404);
        given().get("/api/trainings/" + oldJob + "/events").then().statusCode(404);
        given().get("/api/generations/" + oldGeneration).then().statusCode(404);
        given().get("/api/trainings/" + newJob).then().statusCode(200).body("state", equalTo("started"));
    }
}
