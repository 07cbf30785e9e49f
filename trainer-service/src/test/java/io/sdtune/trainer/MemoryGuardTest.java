package io.sdtune.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.storage.ArtifactStore;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A trainer whose device is said to have 512 MiB, less than the runtime's own 1 GiB: every job is refused. */
@QuarkusTest
@TestProfile(MemoryGuardTest.SmallDevice.class)
@QuarkusTestResource(value = EmbeddedPlatformResource.class, restrictToAnnotatedClass = true)
class MemoryGuardTest {
    public static class SmallDevice implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sdtune.trainer.device-memory", String.valueOf(512L << 20));
        }
    }

    @Inject
    ArtifactStore artifacts;

    @Test
    void aJobThatDoesNotFitTheDeviceEndsFailedWithTheEstimateAndTheDevicesSize() throws Exception {
        TrainingFixtures.sendLora(artifacts, "too-big", 4);

        List<TrainingEvent> events = TestBroker.trainingEvents("too-big", TrainingEvent.Failed.class, Duration.ofSeconds(90));

        assertThat(events).noneMatch(e -> e instanceof TrainingEvent.Progress);
        assertThat(((TrainingEvent.Failed) events.get(events.size() - 1)).reason())
                .startsWith("this training needs an estimated 1.0 GiB on cpu")
                .contains("runtime 1.0)").contains("and the device has 0.5 GiB");
    }
}
