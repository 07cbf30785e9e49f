package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.deploy.demo.SampleImages;
import io.sdtune.embedded.EmbeddedPlatform;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoredFile;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outages of the platform's infrastructure, as {@code bin/sdtune} runs it: the real S3 server and Kafka broker
 * stopped and started again on their ports and data while real service processes work, and one job handed to two
 * trainer processes. Each test prints the recovery time it measured (RELIABILITY.md collects them); they run in
 * order, the second trainer of the last one going through the requests of the first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutagesIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final int GENERATIONS = 6;
    private static final String SECOND_GROUP = "sdtune-trainer-2";

    @RegisterExtension
    static final RunningPlatform PLATFORM = new RunningPlatform("outages-");

    @Test
    @Order(1)
    void aJobOutlivesTheStoreStoppedInItsMiddle() throws Exception {
        String datasetId = PLATFORM.gateway().createDataset(SampleImages.catToy(3, 7));
        String jobId = PLATFORM.gateway().startTraining(RunningPlatform.lora(PLATFORM.gateway(), datasetId, 300, 20));
        PLATFORM.topics().await(Topics.TRAINING_EVENTS, r -> r.key().equals(jobId)
                && TopicRecords.decode(r, TrainingEvent.class) instanceof TrainingEvent.Checkpoint, TIMEOUT);
        EmbeddedPlatform infrastructure = PLATFORM.platform().infrastructure();

        infrastructure.stopStore();
        Thread.sleep(OUTAGE.toMillis());
        // The job cannot have ended: its adapter had nowhere to go.
        assertThat(PLATFORM.gateway().training(jobId).get("state").asText()).isIn("progress", "checkpoint");
        infrastructure.startStore();
        Instant back = Instant.now();
        JsonNode status = PLATFORM.gateway().awaitTraining(jobId, TIMEOUT, progress -> { });
        System.out.printf("OutagesIT: S3 server stopped for %d s in the middle of a job; it succeeded %d s after the "
                + "server was back%n", OUTAGE.toSeconds(), Duration.between(back, Instant.now()).toSeconds());

        assertThat(status.get("state").asText()).isEqualTo("succeeded");
        List<TrainingEvent> events = PLATFORM.topics().values(Topics.TRAINING_EVENTS, jobId, TrainingEvent.class);
        // Waited out, not left for redelivery: one run of the job, on the trainer that had it.
        assertThat(events).filteredOn(TrainingEvent.Started.class::isInstance).hasSize(1);
        assertThat(events).filteredOn(TrainingEvent.Failed.class::isInstance).isEmpty();
        assertThat(events).filteredOn(TrainingEvent.Succeeded.class::isInstance).hasSize(1);
        assertThat(PLATFORM.platform().service("trainer-service").restarts()).isZero();
        assertVerifies(PLATFORM.artifacts().manifest(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, jobId)).orElseThrow());
    }

    @Test
    @Order(2)
    void everyGenerationInFlightIsAnsweredOnceTheBrokerIsBack() throws Exception {
        List<String> requestIds = new ArrayList<>();
        for (int i = 0; i < GENERATIONS; i++) {
            ObjectNode request = PLATFORM.gateway().object().put("prompt", "a photo of a cat toy, take " + i)
                    .put("num_inference_steps", 20).put("seed", i)
                    .put("width", BaseModel.TINY.resolution()).put("height", BaseModel.TINY.resolution());
            requestIds.add(PLATFORM.gateway().generate(request));
        }
        long answeredBefore = PLATFORM.topics().all(Topics.GENERATION_RESULTS).stream()
                .filter(r -> requestIds.contains(r.key())).count();
        EmbeddedPlatform infrastructure = PLATFORM.platform().infrastructure();

        infrastructure.stopBroker();
        Thread.sleep(OUTAGE.toMillis());
        infrastructure.startBroker();
        Instant back = Instant.now();
        List<ConsumerRecord<String, String>> results = PLATFORM.topics().awaitAll(Topics.GENERATION_RESULTS,
                records -> records.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(requestIds),
                TIMEOUT);
        long recovery = Duration.between(back, Instant.now()).toSeconds();
        Map<String, List<GenerationResult>> answers = results.stream().filter(r -> requestIds.contains(r.key()))
                .collect(Collectors.groupingBy(ConsumerRecord::key,
                        Collectors.mapping(r -> TopicRecords.decode(r, GenerationResult.class), Collectors.toList())));
        // A restart by the supervisor (a channel that gave up) is a recovery too, but worth seeing.
        int restarts = Stream.of("trainer-service", "generator-service", "gateway")
                .mapToInt(name -> PLATFORM.platform().service(name).restarts()).sum();
        System.out.printf("OutagesIT: broker stopped for %d s with %d generations in flight (%d answered before); all "
                + "answered %d s after it was back, with %d answers; services restarted: %d%n", OUTAGE.toSeconds(),
                GENERATIONS, answeredBefore, recovery, answers.values().stream().mapToInt(List::size).sum(), restarts);

        for (String requestId : requestIds) {
            // Answered twice (a record redelivered after the outage) is allowed, with the same pictures each time.
            List<GenerationResult> answered = answers.get(requestId);
            assertThat(answered).as(requestId).isNotEmpty()
                    .allSatisfy(answer -> assertThat(answer).isInstanceOf(GenerationResult.Succeeded.class));
            assertThat(answered.stream().map(answer -> ((GenerationResult.Succeeded) answer).images()).distinct())
                    .as(requestId + ": the same images in every answer").hasSize(1);
            for (StoredObject image : ((GenerationResult.Succeeded) answered.get(0)).images()) {
                assertThat(PLATFORM.objects().readVerified(new StoredFile(image.key(), image.sha256(), image.sizeBytes())))
                        .hasSize(image.sizeBytes().intValue());
            }
            // The gateway's view of the results recovered too.
            assertThat(PLATFORM.gateway().awaitGeneration(requestId, TIMEOUT).get("state").asText()).isEqualTo("succeeded");
        }
    }

    @Test
    @Order(3)
    void twoTrainersHandedOneJobPublishOneAdapterThatVerifies() throws Exception {
        String datasetId = PLATFORM.gateway().createDataset(SampleImages.catToy(3, 7));
        // Another consumer group gets every request the platform's trainer gets, as a rebalance that handed the
        // running job to a second trainer would. It first goes through the requests of the tests before (each
        // adapter announced again): the job below waits until it has, so that both trainers take it at once.
        try (ServiceProcess second = PLATFORM.platform().startAnotherTrainer("trainer-service-2",
                Map.of("mp.messaging.incoming.training-requests.group.id", SECOND_GROUP))) {
            PLATFORM.topics().awaitCaughtUp(SECOND_GROUP, Topics.TRAINING_REQUESTS, TIMEOUT);
            Instant requested = Instant.now();
            String jobId = PLATFORM.gateway().startTraining(RunningPlatform.lora(PLATFORM.gateway(), datasetId, 100, 20));
            PLATFORM.topics().awaitAll(Topics.TRAINING_EVENTS, records -> records.stream()
                    .filter(r -> r.key().equals(jobId))
                    .filter(r -> TopicRecords.decode(r, TrainingEvent.class) instanceof TrainingEvent.Succeeded)
                    .count() == 2, TIMEOUT);
            System.out.printf("OutagesIT: two trainers handed one job; both answered, with one adapter, %d s after "
                    + "the request%n", Duration.between(requested, Instant.now()).toSeconds());

            List<TrainingEvent> events = PLATFORM.topics().values(Topics.TRAINING_EVENTS, jobId, TrainingEvent.class);
            // Both trained it (one that found the adapter published would not start).
            assertThat(events).filteredOn(TrainingEvent.Started.class::isInstance).hasSize(2);
            assertThat(events).filteredOn(TrainingEvent.Failed.class::isInstance).isEmpty();
            assertThat(events).filteredOn(TrainingEvent.Succeeded.class::isInstance)
                    .extracting(e -> ((TrainingEvent.Succeeded) e).adapterId()).containsExactly(jobId, jobId);
            assertThat(PLATFORM.objects().list(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, jobId).prefix()))
                    .filteredOn(key -> key.endsWith("/" + ArtifactLocation.MANIFEST))
                    .containsExactly(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, jobId).manifestKey());
            Manifest manifest = PLATFORM.artifacts().manifest(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, jobId)).orElseThrow();
            assertVerifies(manifest);
            // Each announcement, the loser's too, names the one published adapter's files.
            List<AdapterAnnouncement> announced = PLATFORM.topics().values(Topics.ADAPTERS, jobId, AdapterAnnouncement.class);
            assertThat(announced).isNotEmpty().allSatisfy(announcement -> assertThat(announcement.files())
                    .extracting(StoredObject::key, StoredObject::sha256)
                    .containsExactlyElementsOf(manifest.files().stream().map(f -> tuple(f.key(), f.sha256())).toList()));
        }
    }

    /** Every file the manifest names reads back with its size and sha256. */
    private static void assertVerifies(Manifest manifest) throws IOException {
        assertThat(manifest.files()).isNotEmpty();
        for (StoredFile file : manifest.files()) {
            assertThat(PLATFORM.objects().readVerified(file)).hasSize((int) file.size());
        }
    }
}
