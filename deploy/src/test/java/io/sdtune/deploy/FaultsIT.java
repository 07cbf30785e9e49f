package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.deploy.demo.SampleImages;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults dealt to the running platform, as {@code bin/sdtune} runs it: real processes killed with real signals.
 * Each test prints the recovery time it measured (RELIABILITY.md collects them).
 */
class FaultsIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final int STEPS = 200;
    private static final int CHECKPOINTING_STEPS = 10;

    @RegisterExtension
    static final RunningPlatform PLATFORM = new RunningPlatform("faults-");

    @Test
    void aJobOutlivesItsTrainerKilledAfterTheFirstCheckpoint() throws Exception {
        String datasetId = PLATFORM.gateway().createDataset(SampleImages.catToy(3, 7));
        String jobId = PLATFORM.gateway().startTraining(lora(datasetId));
        PLATFORM.topics().await(Topics.TRAINING_EVENTS, r -> r.key().equals(jobId)
                && event(r) instanceof TrainingEvent.Checkpoint, TIMEOUT);
        ServiceProcess trainer = PLATFORM.platform().service("trainer-service");
        ProcessHandle killed = ProcessHandle.of(trainer.pid()).orElseThrow();

        Instant kill = Instant.now();
        assertThat(killed.destroyForcibly()).isTrue(); // SIGKILL: no shutdown hook, no goodbye to the group
        JsonNode status = PLATFORM.gateway().awaitTraining(jobId, TIMEOUT, progress -> { });
        System.out.printf("FaultsIT: trainer SIGKILLed after the first checkpoint; the job succeeded %d s later%n",
                Duration.between(kill, Instant.now()).toSeconds());

        assertThat(status.get("state").asText()).isEqualTo("succeeded");
        assertThat(trainer.restarts()).isEqualTo(1);
        assertThat(trainer.pid()).isNotEqualTo(killed.pid());
        List<TrainingEvent> events = PLATFORM.topics().values(Topics.TRAINING_EVENTS, jobId, TrainingEvent.class);
        assertThat(events).filteredOn(TrainingEvent.Started.class::isInstance).map(e -> (TrainingEvent.Started) e)
                .extracting(TrainingEvent.Started::resumedFromStep)
                .satisfies(steps -> {
                    assertThat(steps).hasSize(2);
                    assertThat(steps.get(0)).isNull();
                    assertThat(steps.get(1)).isNotNull().isBetween(CHECKPOINTING_STEPS, STEPS - 1);
                });
        assertThat(events).filteredOn(TrainingEvent.Succeeded.class::isInstance).hasSize(1);
        assertThat(PLATFORM.topics().all(Topics.ADAPTERS)).filteredOn(r -> r.key().equals(jobId)).hasSize(1);

        String straightJob = PLATFORM.gateway().startTraining(lora(datasetId));
        assertThat(PLATFORM.gateway().awaitTraining(straightJob, TIMEOUT, progress -> { }).get("state").asText())
                .isEqualTo("succeeded");
        Manifest resumed = PLATFORM.artifacts().manifest(Shelf.ADAPTERS.at(jobId)).orElseThrow();
        Manifest straight = PLATFORM.artifacts().manifest(Shelf.ADAPTERS.at(straightJob)).orElseThrow();
        assertThat(resumed.files().get(0).sha256()).isEqualTo(straight.files().get(0).sha256());
        assertThat(PLATFORM.objects().readVerified(resumed.files().get(0))).hasSize((int) resumed.files().get(0).size());
    }

    private static ObjectNode lora(String datasetId) {
        return PLATFORM.lora(datasetId, STEPS, CHECKPOINTING_STEPS);
    }

    private static TrainingEvent event(ConsumerRecord<String, String> record) {
        return TopicRecords.decode(record, TrainingEvent.class);
    }
}
