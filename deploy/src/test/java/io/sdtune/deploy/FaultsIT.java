package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.deploy.demo.SampleImages;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults dealt to the running platform, as {@code bin/sdtune} runs it: real processes killed with real signals,
 * a flood of requests. Each test prints what it measured (RELIABILITY.md collects it).
 */
class FaultsIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final int STEPS = 200;
    private static final int CHECKPOINTING_STEPS = 10;
    /** The generator's sdtune.generator.admission-limit, as packaged. */
    private static final int ADMISSION_LIMIT = 8;
    private static final int FLOOD = 20 * ADMISSION_LIMIT;
    /** Tenants enough that none is past its quota of 20 waiting generations (the gateway's default). */
    private static final List<String> FLOODING_TENANTS = IntStream.rangeClosed(1, FLOOD / 20)
            .mapToObj(n -> "flood-" + n).toList();

    @RegisterExtension
    static final RunningPlatform PLATFORM = new RunningPlatform("faults-", FLOODING_TENANTS);

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
        Manifest resumed = PLATFORM.artifacts().manifest(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, jobId)).orElseThrow();
        Manifest straight = PLATFORM.artifacts().manifest(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, straightJob)).orElseThrow();
        assertThat(resumed.files().get(0).sha256()).isEqualTo(straight.files().get(0).sha256());
        assertThat(PLATFORM.objects().readVerified(resumed.files().get(0))).hasSize((int) resumed.files().get(0).size());
    }

    /**
     * A flood of generation requests, 20 times the generator's admission limit (8), from 8 tenants at their quota
     * of 20 waiting generations each: the generator holds at most 8 at a time - the rest wait in Kafka - answers
     * every one, and its resident memory stays where drawing one put it.
     */
    @Test
    void aFloodOfGenerationRequestsWaitsInKafkaAndIsAllAnswered() throws Exception {
        ServiceProcess generator = PLATFORM.platform().service("generator-service");
        String warmUp = PLATFORM.gateway().generate(generation(FLOOD));
        assertThat(PLATFORM.gateway().awaitGeneration(warmUp, TIMEOUT).get("state").asText()).isEqualTo("succeeded");
        long residentBefore = residentMib(generator.pid());
        AtomicInteger mostInHand = new AtomicInteger();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleWithFixedDelay(() -> mostInHand.accumulateAndGet(inHand(generator), Math::max), 0, 100,
                TimeUnit.MILLISECONDS);

        Instant start = Instant.now();
        Set<String> requestIds = new HashSet<>();
        List<GatewayClient> tenants = FLOODING_TENANTS.stream().map(PLATFORM::gatewayOf).toList();
        for (int i = 0; i < FLOOD; i++) {
            requestIds.add(tenants.get(i % tenants.size()).generate(generation(i)));
        }
        List<GenerationResult> results;
        try {
            results = PLATFORM.topics().awaitAll(Topics.GENERATION_RESULTS, records -> records.stream()
                    .map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(requestIds), TIMEOUT).stream()
                    .filter(r -> requestIds.contains(r.key()))
                    .map(r -> TopicRecords.decode(r, GenerationResult.class)).toList();
        } finally {
            sampler.shutdownNow();
        }
        long residentAfter = residentMib(generator.pid());
        System.out.printf("FaultsIT: %d generation requests answered in %d s; at most %d in the generator's hands; "
                + "its VmRSS %d MiB before, %d MiB after%n", FLOOD, Duration.between(start, Instant.now()).toSeconds(),
                mostInHand.get(), residentBefore, residentAfter);

        assertThat(results).hasSizeGreaterThanOrEqualTo(FLOOD).allMatch(GenerationResult.Succeeded.class::isInstance);
        assertThat(mostInHand.get()).isBetween(1, ADMISSION_LIMIT);
        assertThat(residentAfter - residentBefore).as("MiB the flood added").isLessThan(512);
    }

    private static ObjectNode generation(int seed) {
        return PLATFORM.gateway().object().put("prompt", "a photo of a cat toy").put("num_inference_steps", 20)
                .put("seed", seed).put("width", BaseModel.TINY.resolution()).put("height", BaseModel.TINY.resolution());
    }

    /** The generator's {@code sdtune_generator_requests_in_hand} gauge, from its Prometheus metrics. */
    private static int inHand(ServiceProcess generator) {
        try {
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(generator.uri().resolve("/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            return metrics.lines().filter(line -> line.startsWith("sdtune_generator_requests_in_hand"))
                    .mapToInt(line -> (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long residentMib(long pid) throws IOException {
        String rss = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith("VmRSS:")).findFirst().orElseThrow();
        return Long.parseLong(rss.replaceAll("\\D", "")) / 1024;
    }

    private static ObjectNode lora(String datasetId) {
        return RunningPlatform.lora(PLATFORM.gateway(), datasetId, STEPS, CHECKPOINTING_STEPS);
    }

    private static TrainingEvent event(ConsumerRecord<String, String> record) {
        return TopicRecords.decode(record, TrainingEvent.class);
    }
}
