package io.sdtune.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.storage.ArtifactStore;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trainer's limits on a job, tight: a wall-clock limit of 3 s, and any silence of a running job a stall. */
@QuarkusTest
@TestProfile(TrainerLimitsTest.Tight.class)
@QuarkusTestResource(value = EmbeddedPlatformResource.class, restrictToAnnotatedClass = true)
class TrainerLimitsTest {
    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sdtune.trainer.max-job-duration", "3s", "sdtune.trainer.stall-timeout", "0.001s");
        }
    }

    @Inject
    ArtifactStore artifacts;

    @TestHTTPResource("/q/health/live")
    URI live;

    /**
     * A job of many steps: while it runs, the stall check (any silence past 1 ms) makes the trainer not live;
     * after 3 s it is stopped and ends {@code failed} with the limit, and the trainer is live again.
     */
    @Test
    void aJobPastItsWallClockLimitEndsFailedAndAStalledJobMakesTheTrainerUnhealthy() throws Exception {
        TrainingFixtures.sendLora(artifacts, "too-long", 5000);
        TestBroker.await(Topics.TRAINING_EVENTS, "too-long", values -> !values.isEmpty(), Duration.ofSeconds(60));

        HttpResponse<String> whileRunning = health();

        List<TrainingEvent> events = TestBroker.trainingEvents("too-long", TrainingEvent.Failed.class, Duration.ofSeconds(90));
        assertThat(whileRunning.statusCode()).isEqualTo(503);
        assertThat(whileRunning.body()).contains("training-job").contains("job too-long has shown no progress for");
        assertThat(events.get(events.size() - 1)).isEqualTo(new TrainingEvent.Failed("too-long",
                "the job ran longer than the trainer's limit of 3 s (sdtune.trainer.max-job-duration) and was stopped"));
        assertThat(health().statusCode()).as("no job, no stall").isEqualTo(200);
    }

    private HttpResponse<String> health() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.ofString());
    }
}
