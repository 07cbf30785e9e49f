package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.deploy.benchmark.PlatformBenchmark;
import io.sdtune.deploy.demo.GatewayClient.ApiException;
import io.sdtune.deploy.demo.GatewayClient.NamedImage;
import io.sdtune.deploy.demo.SampleImages;
import io.sdtune.deploy.demo.SeedExperiment;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole platform as {@code bin/sdtune} runs it - a real broker and S3 server, the tiny base model, the
 * three packaged services as processes - exercised only from outside: through the gateway's API, the topics
 * and the store.
 */
class PlatformIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @RegisterExtension
    static final RunningPlatform PLATFORM = new RunningPlatform("platform-");

    /** The world's plan: its captions go through the gateway, the dataset and the trainer to the engine. */
    @Test
    void theSeedExperimentRunsFromUploadToServedImagesWithEachMethod() throws Exception {
        SeedExperiment.Plan plan = SeedExperiment.Plan.worldOfShapes(BaseModel.TINY.resolution(), 42);
        List<SeedExperiment.Outcome> outcomes = new SeedExperiment(PLATFORM.gateway(),
                new SeedExperiment.Settings(4, BaseModel.TINY.resolution(), 3, 42, TIMEOUT), plan, System.out).run();

        assertThat(outcomes).extracting(SeedExperiment.Outcome::method)
                .containsExactly("TEXTUAL_INVERSION", "DREAMBOOTH", "LORA");
        Map<String, AdapterAnnouncement> announced = PLATFORM.topics().all(Topics.ADAPTERS).stream()
                .map(r -> JsonCodec.decode(r.value().getBytes(StandardCharsets.UTF_8), AdapterAnnouncement.class))
                .collect(Collectors.toMap(AdapterAnnouncement::adapterId, a -> a, (first, again) -> again));
        Map<String, AdapterKind> kinds = Map.of("TEXTUAL_INVERSION", AdapterKind.EMBEDDING,
                "DREAMBOOTH", AdapterKind.FULL_UNET, "LORA", AdapterKind.LORA);
        for (SeedExperiment.Outcome outcome : outcomes) {
            assertThat(outcome.training().get("step").asInt()).isEqualTo(4);
            AdapterAnnouncement adapter = announced.get(outcome.adapterId());
            assertThat(adapter).as("announced on adapters: " + outcome.adapterId()).isNotNull();
            assertThat(adapter.kind()).isEqualTo(kinds.get(outcome.method()));
            assertThat(adapter.baseModelId()).isEqualTo(BaseModel.TINY.id());
            assertThat(adapter.jobId()).isEqualTo(outcome.jobId());
            assertThat(adapter.triggerTokens()).contains("<cat-toy>");
            Manifest manifest = PLATFORM.artifacts().manifest(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, outcome.adapterId())).orElseThrow();
            assertThat(manifest.files()).extracting(f -> f.key())
                    .containsExactlyInAnyOrderElementsOf(adapter.files().stream().map(f -> f.key()).toList());

            assertThat(outcome.images().keySet()).containsExactlyElementsOf(plan.prompts());
            for (List<String> urls : outcome.images().values()) {
                assertThat(urls).hasSize(1);
                byte[] served = PLATFORM.gateway().image(urls.get(0));
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(served));
                assertThat(image.getWidth()).isEqualTo(BaseModel.TINY.resolution());
                assertThat(image.getHeight()).isEqualTo(BaseModel.TINY.resolution());
                String requestId = urls.get(0).split("/")[3];
                try (var stored = PLATFORM.objects().open(ImageShelf.key(LocalApiKeys.TENANT, requestId, 0))) {
                    assertThat(stored.readAllBytes()).isEqualTo(served);
                }
            }
        }
        assertThat(PLATFORM.gateway().adapters()).extracting(a -> a.get("id").asText())
                .containsAll(outcomes.stream().map(SeedExperiment.Outcome::adapterId).toList());
        // The same prompt and seed with different adapters draws different pictures.
        String prompt = plan.prompts().get(0);
        assertThat(PLATFORM.gateway().image(outcomes.get(0).images().get(prompt).get(0)))
                .isNotEqualTo(PLATFORM.gateway().image(outcomes.get(2).images().get(prompt).get(0)));
    }

    @Test
    void aReplayedTrainingRequestReannouncesItsAdapterWithoutTrainingAgain() throws Exception {
        String datasetId = PLATFORM.gateway().createDataset(SampleImages.catToy(2, 7));
        String jobId = PLATFORM.gateway().startTraining(lora(datasetId, 2));
        JsonNode first = PLATFORM.gateway().awaitTraining(jobId, TIMEOUT, status -> { });
        assertThat(first.get("state").asText()).isEqualTo("succeeded");
        ConsumerRecord<String, String> request = PLATFORM.topics().await(Topics.TRAINING_REQUESTS, r -> jobId.equals(r.key()), TIMEOUT);
        long eventsBefore = eventsOf(jobId).size();

        PLATFORM.topics().send(Topics.TRAINING_REQUESTS, request.key(), request.value());

        List<TrainingEvent> after = awaitEventsAfter(jobId, eventsBefore, TrainingEvent.Succeeded.class);
        assertThat(after).isNotEmpty().allSatisfy(e -> assertThat(e)
                .isNotInstanceOf(TrainingEvent.Started.class).isNotInstanceOf(TrainingEvent.Progress.class));
        assertThat(after).filteredOn(e -> e instanceof TrainingEvent.Succeeded)
                .extracting(e -> ((TrainingEvent.Succeeded) e).adapterId())
                .containsOnly(first.get("adapter_id").asText());
    }

    /**
     * A LoRA downloaded in kohya's layout (what AUTOMATIC1111 and ComfyUI load) and imported again is the same
     * adapter: with the same seed it draws the same picture. Deleted, it is gone from the store and the list, a
     * tombstone on its topic, and a generation with it fails with the reason.
     */
    @Test
    void aLoraDownloadedAndImportedDrawsTheSamePictureAndOnceDeletedNone() throws Exception {
        String datasetId = PLATFORM.gateway().createDataset(SampleImages.catToy(2, 13));
        JsonNode trained = PLATFORM.gateway().awaitTraining(PLATFORM.gateway().startTraining(lora(datasetId, 2)),
                TIMEOUT, status -> { });
        String original = trained.get("adapter_id").asText();
        byte[] kohya = PLATFORM.gateway().adapterFile(original, "pytorch_lora_weights.safetensors", "kohya");

        JsonNode imported = PLATFORM.gateway().importAdapter("LORA", "cat toy, from kohya",
                new NamedImage("cat_toy.safetensors", kohya));
        String copy = imported.get("id").asText();

        assertThat(imported.get("name").asText()).isEqualTo("cat toy, from kohya");
        assertThat(imported.has("job_id")).isFalse();
        assertThat(drawWith(copy)).as("the same picture as the original's").isEqualTo(drawWith(original));

        PLATFORM.gateway().delete("/api/adapters/" + copy);

        assertThat(PLATFORM.objects().list(Shelf.ADAPTERS.at(LocalApiKeys.TENANT, copy).prefix())).isEmpty();
        assertThat(PLATFORM.topics().await(Topics.ADAPTERS, r -> copy.equals(r.key()) && r.value() == null, TIMEOUT))
                .as("the tombstone").isNotNull();
        assertThat(PLATFORM.gateway().adapters()).extracting(a -> a.get("id").asText()).doesNotContain(copy);
        JsonNode refused = PLATFORM.gateway().awaitGeneration(PLATFORM.gateway().generate(generation(copy)), TIMEOUT);
        assertThat(refused.get("state").asText()).isEqualTo("failed");
        assertThat(refused.get("reason").asText()).isEqualTo("unknown adapter " + copy);
    }

    /** The pixels drawn with the adapter; its PNG's parameters name it (AUTOMATIC1111's {@code <lora:ID:1>}). */
    private static int[] drawWith(String adapterId) throws IOException {
        JsonNode status = PLATFORM.gateway().awaitGeneration(PLATFORM.gateway().generate(generation(adapterId)), TIMEOUT);
        assertThat(status.get("state").asText()).as(status.toString()).isEqualTo("succeeded");
        byte[] png = PLATFORM.gateway().image(status.get("images").get(0).asText());
        assertThat(new String(png, StandardCharsets.ISO_8859_1)).contains("<lora:" + adapterId + ":1>");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static ObjectNode generation(String adapterId) {
        ObjectNode request = PLATFORM.gateway().object().put("prompt", "a photo of <cat-toy>").put("seed", 7)
                .put("num_inference_steps", 3);
        request.putArray("adapters").addObject().put("adapter_id", adapterId);
        return request;
    }

    @Test
    void unreadableRecordsLandInTheirDeadLetterTopicsWithTheReason() throws Exception {
        PLATFORM.topics().send(Topics.TRAINING_REQUESTS, "poison-training", "{\"method\": \"LORA\", oops");
        PLATFORM.topics().send(Topics.GENERATION_REQUESTS, "poison-generation", "not json at all");

        for (String topic : List.of(Topics.TRAINING_REQUESTS, Topics.GENERATION_REQUESTS)) {
            ConsumerRecord<String, String> record = PLATFORM.topics().await(Topics.deadLetterOf(topic),
                    r -> r.key() != null && r.key().startsWith("poison-"), TIMEOUT);
            DeadLetter letter = JsonCodec.decode(record.value().getBytes(StandardCharsets.UTF_8), DeadLetter.class);
            assertThat(letter.topic()).isEqualTo(topic);
            assertThat(letter.reason()).isNotBlank();
            assertThat(letter.value()).isIn("{\"method\": \"LORA\", oops", "not json at all");
        }
    }

    @Test
    void aTrainingThatCannotRunEndsFailedWithTheReason() {
        String datasetId = PLATFORM.gateway().createDataset(SampleImages.catToy(2, 11));
        ObjectNode request = lora(datasetId, 2).put("base_model_id", "no-such-model");

        JsonNode status = PLATFORM.gateway().awaitTraining(PLATFORM.gateway().startTraining(request), TIMEOUT, s -> { });

        assertThat(status.get("state").asText()).isEqualTo("failed");
        assertThat(status.get("reason").asText()).contains("no-such-model");
    }

    @Test
    void aBadUploadIsRefusedWithItsReasonAndLeavesNothingBehind() throws Exception {
        List<String> datasetsBefore = PLATFORM.artifacts().ids(LocalApiKeys.TENANT, Shelf.DATASETS);
        List<NamedImage> upload = List.of(SampleImages.catToy(1, 3).get(0),
                new NamedImage("notes.png", "not an image".getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(() -> PLATFORM.gateway().createDataset(upload))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("notes.png");
        assertThat(PLATFORM.artifacts().ids(LocalApiKeys.TENANT, Shelf.DATASETS)).containsExactlyInAnyOrderElementsOf(datasetsBefore);
    }

    @Test
    void theBenchmarkTimesALoraJobAndImagesWithoutAndWithItsAdapter() {
        // Enough steps for the job to outlast a few of the poller's 500 ms, so that it sees a progress status: 100 took
        // about a second on a fast 2-core machine.
        int steps = 400;
        PlatformBenchmark.Report report = new PlatformBenchmark(PLATFORM.gateway(), new PlatformBenchmark.Settings(
                steps, "no", BaseModel.TINY.resolution(), 2, 3, 7, TIMEOUT), System.out).run();

        PlatformBenchmark.Training training = report.training();
        assertThat(training.adapterId()).isNotBlank();
        assertThat(training.secondsToStart()).isPositive().isLessThan(training.secondsToFirstStep());
        assertThat(training.secondsToFirstStep()).isLessThan(training.seconds());
        assertThat(training.secondsPerStep()).isPositive().isLessThan(training.seconds() / steps);
        assertThat(report.batches()).extracting(PlatformBenchmark.Batch::adapters).containsExactly("none", "its LoRA");
        assertThat(report.batches()).allSatisfy(batch -> {
            assertThat(batch.images()).isEqualTo(3);
            assertThat(batch.medianInferenceMs()).isPositive();
            assertThat(batch.imagesPerSecond()).isPositive();
        });
        assertThat(report.markdown()).contains(steps + " steps").contains("| 3 | its LoRA |");
    }

    @Test
    void everyServiceAnswersHealthAndMetrics() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(PLATFORM.platform().services()).containsOnlyKeys("trainer-service", "generator-service", "gateway");
        for (URI service : PLATFORM.platform().services().values()) {
            for (String path : List.of("/q/health", "/q/metrics")) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(service.resolve(path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(service + path).isEqualTo(200);
            }
        }
    }

    private static ObjectNode lora(String datasetId, int steps) {
        ObjectNode request = PLATFORM.gateway().object().put("method", "LORA").put("dataset_id", datasetId)
                .put("instance_prompt", "a photo of <cat-toy>");
        request.putObject("hyper_parameters").put("resolution", BaseModel.TINY.resolution()).put("max_train_steps", steps);
        return request;
    }

    /** The job's events from the {@code from}-th on, once one of them is a {@code last}. */
    private static List<TrainingEvent> awaitEventsAfter(String jobId, long from, Class<? extends TrainingEvent> last)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<TrainingEvent> events = eventsOf(jobId);
            List<TrainingEvent> after = events.subList((int) Math.min(from, events.size()), events.size());
            if (after.stream().anyMatch(last::isInstance)) {
                return after;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no " + last.getSimpleName() + " event of job " + jobId + " after event " + from);
    }

    private static List<TrainingEvent> eventsOf(String jobId) {
        return PLATFORM.topics().all(Topics.TRAINING_EVENTS).stream().filter(r -> jobId.equals(r.key()))
                .map(r -> JsonCodec.decode(r.value().getBytes(StandardCharsets.UTF_8), TrainingEvent.class))
                .toList();
    }
}
