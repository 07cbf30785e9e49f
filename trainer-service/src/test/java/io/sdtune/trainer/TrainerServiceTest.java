package io.sdtune.trainer;

import static io.sdtune.trainer.TrainingFixtures.TENANT;
import static io.sdtune.trainer.TrainingFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.contracts.training.TrainingCancellation;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.messaging.Attempts;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoredFile;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trainer against a real broker and a real S3 server: the test plays the gateway (it uploads, sends
 * requests and cancellations) and reads what the trainer writes, as the other services would.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedPlatformResource.class, restrictToAnnotatedClass = true)
class TrainerServiceTest {
    private static final Duration JOB = Duration.ofSeconds(90);

    @Inject
    ArtifactStore artifacts;

    @Inject
    ArtifactCache models;

    @TestHTTPResource("/q/health/live")
    URI live;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @BeforeEach
    void baseModel() throws Exception {
        TrainingFixtures.publishBaseModel(artifacts);
    }

    @Test
    void aLoraJobIsTrainedStoredAndAnnounced() throws Exception {
        TrainingRequest request = submit(TrainingFixtures.lora("lora-job", "cat-toy",
                TrainingFixtures.publishDataset(artifacts, "cat-toy"), 4));

        List<TrainingEvent> events = events("lora-job", TrainingEvent.Succeeded.class);

        assertThat(events.get(0)).isInstanceOf(TrainingEvent.Queued.class);
        assertThat(events.get(1)).isInstanceOf(TrainingEvent.Started.class);
        List<TrainingEvent.Progress> progress = events.subList(2, events.size() - 1).stream()
                .map(TrainingEvent.Progress.class::cast).toList();
        assertThat(progress).isNotEmpty();
        TrainingEvent.Progress last = progress.get(progress.size() - 1);
        assertThat(last.step()).isEqualTo(4);
        assertThat(last.totalSteps()).isEqualTo(4);
        assertThat(last.etaSeconds()).isZero();
        assertThat(events.get(events.size() - 1)).isEqualTo(new TrainingEvent.Succeeded("lora-job", "lora-job"));

        Manifest manifest = artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "lora-job")).orElseThrow();
        assertThat(manifest.kind()).isEqualTo("LORA");
        assertThat(manifest.files()).extracting(f -> f.key())
                .containsExactly("tenants/" + TENANT + "/adapters/lora-job/" + manifest.publication() + "/pytorch_lora_weights.safetensors");
        AdapterAnnouncement announced = announcements("lora-job", 1).get(0);
        assertThat(announced).isEqualTo(new AdapterAnnouncement("lora-job", TENANT, null, AdapterKind.LORA, TrainingFixtures.BASE_MODEL,
                request.jobId(), manifest.files().stream().map(StoredFile::asStoredObject).toList(),
                List.of("<cat-toy>")));
        assertThat(jobFolders("lora-job")).isEmpty();
    }

    @Test
    void aTextualInversionJobIsAnnouncedAsAnEmbeddingOfItsPlaceholder() throws Exception {
        submit(TrainingFixtures.textualInversion("ti-job", "ti", TrainingFixtures.publishDataset(artifacts, "ti"), 2));

        events("ti-job", TrainingEvent.Succeeded.class);

        AdapterAnnouncement announced = announcements("ti-job", 1).get(0);
        assertThat(announced.kind()).isEqualTo(AdapterKind.EMBEDDING);
        assertThat(announced.triggerTokens()).containsExactly("<cat-toy>");
        assertThat(announced.files()).extracting(StoredObject::key).singleElement().asString()
                .startsWith("tenants/" + TENANT + "/adapters/ti-job/").endsWith("/learned_embeds.safetensors");
    }

    @Test
    void aReplayedRequestReannouncesWithoutTraining() throws Exception {
        TrainingRequest request = submit(TrainingFixtures.lora("replayed-job", "replayed",
                TrainingFixtures.publishDataset(artifacts, "replayed"), 2));
        events("replayed-job", TrainingEvent.Succeeded.class);
        Manifest first = artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "replayed-job")).orElseThrow();

        TestBroker.send(Topics.TRAINING_REQUESTS, request.key(), json(request));

        List<TrainingEvent> events = TestBroker.decode(TestBroker.await(Topics.TRAINING_EVENTS, "replayed-job",
                values -> count(TestBroker.decode(values), TrainingEvent.Succeeded.class) == 2, JOB));
        assertThat(count(events, TrainingEvent.Started.class)).as("trained once").isEqualTo(1);
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "replayed-job"))).contains(first);
        List<AdapterAnnouncement> announced = announcements("replayed-job", 2);
        assertThat(announced.get(1)).isEqualTo(announced.get(0));
    }

    @Test
    void aJobStoresItsCheckpointsWhileRunningAndNoneOnceDone() throws Exception {
        submit(TrainingFixtures.lora("checkpointed", "checkpointed",
                TrainingFixtures.publishDataset(artifacts, "checkpointed"), 4, 2));

        List<TrainingEvent> events = events("checkpointed", TrainingEvent.Succeeded.class);

        // Step 4's state is not stored: the adapter follows at once.
        List<TrainingEvent.Checkpoint> checkpoints = events.stream().filter(TrainingEvent.Checkpoint.class::isInstance)
                .map(TrainingEvent.Checkpoint.class::cast).toList();
        assertThat(checkpoints).extracting(TrainingEvent.Checkpoint::step).containsExactly(2);
        assertThat(checkpoints.get(0).files()).extracting(StoredObject::key).singleElement().asString()
                .startsWith("tenants/" + TENANT + "/checkpoints/checkpointed.checkpoint-2/").endsWith("/training_state.safetensors");
        assertThat(artifacts.ids(TENANT, Shelf.CHECKPOINTS)).noneMatch(id -> id.startsWith("checkpointed."));
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "checkpointed")).orElseThrow().files()).extracting(f -> f.key())
                .singleElement().asString().endsWith("/pytorch_lora_weights.safetensors");
    }

    @Test
    void aValidationPromptIsDrawnEveryValidationStepsIntoImagesOfTheJob() throws Exception {
        submit(TrainingFixtures.lora("validated", "validated", TrainingFixtures.publishDataset(artifacts, "validated"), 4,
                "A <cat-toy> backpack", 2));

        List<TrainingEvent> events = events("validated", TrainingEvent.Succeeded.class);

        List<TrainingEvent.Validation> validations = events.stream().filter(TrainingEvent.Validation.class::isInstance)
                .map(TrainingEvent.Validation.class::cast).toList();
        assertThat(validations).extracting(TrainingEvent.Validation::step).containsExactly(2, 4);
        for (TrainingEvent.Validation validation : validations) {
            StoredObject image = validation.images().get(0);
            assertThat(image.key()).isEqualTo("tenants/" + TENANT + "/images/validated.validation-" + validation.step() + "/0.png");
            byte[] png = artifacts.objects().readVerified(new StoredFile(image.key(), image.sha256(), image.sizeBytes()));
            assertThat(ImageIO.read(new ByteArrayInputStream(png)).getWidth()).isEqualTo(64);
        }
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "validated")).orElseThrow().files()).extracting(f -> f.key())
                .singleElement().asString().endsWith("/pytorch_lora_weights.safetensors");
    }

    /**
     * A job delivered again after its trainer stopped finds the checkpoint that trainer stored (made here by
     * running the engine as the trainer does, 2 of 4 steps) and trains only the rest - to the very weights of
     * a run that was never interrupted.
     */
    @Test
    void aRedeliveredJobResumesFromItsLatestCheckpoint() throws Exception {
        List<StoredObject> images = TrainingFixtures.publishDataset(artifacts, "resumed");
        TrainingRequest straight = submit(TrainingFixtures.lora("straight", "resumed", images, 4, 2));
        TrainingRequest resumed = TrainingFixtures.lora("resumed", "resumed", images, 4, 2);
        TrainingFixtures.storeCheckpoint(artifacts, models, TrainingFixtures.lora("resumed", "resumed", images, 2, 2));

        submit(resumed);
        List<TrainingEvent> events = events("resumed", TrainingEvent.Succeeded.class);

        assertThat(events).filteredOn(TrainingEvent.Started.class::isInstance)
                .containsExactly(new TrainingEvent.Started("resumed", 2));
        assertThat(events).filteredOn(TrainingEvent.Progress.class::isInstance)
                .extracting(e -> ((TrainingEvent.Progress) e).step()).isNotEmpty().allMatch(step -> step > 2);
        events(straight.jobId(), TrainingEvent.Succeeded.class);
        Manifest resumedAdapter = artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "resumed")).orElseThrow();
        assertThat(resumedAdapter.files()).extracting(f -> f.key())
                .containsExactly("tenants/" + TENANT + "/adapters/resumed/" + resumedAdapter.publication() + "/pytorch_lora_weights.safetensors");
        assertThat(resumedAdapter.files().get(0).sha256())
                .isEqualTo(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "straight")).orElseThrow().files().get(0).sha256());
        assertThat(artifacts.ids(TENANT, Shelf.CHECKPOINTS)).noneMatch(id -> id.startsWith("resumed."));
    }

    /** A checkpoint whose file is not the one its manifest names is skipped: the job starts over, and succeeds. */
    @Test
    void aCorruptCheckpointIsSkippedForTheOneBefore() throws Exception {
        List<StoredObject> images = TrainingFixtures.publishDataset(artifacts, "corrupt");
        TrainingFixtures.storeCheckpoint(artifacts, models, TrainingFixtures.lora("corrupt", "corrupt", images, 2, 2));
        Manifest checkpoint = artifacts.manifest(Shelf.CHECKPOINTS.at(TENANT, "corrupt.checkpoint-2")).orElseThrow();
        artifacts.objects().put(checkpoint.files().get(0).key(), new byte[] {1, 2, 3}); // behind the manifest's back

        submit(TrainingFixtures.lora("corrupt", "corrupt", images, 4, 2));
        List<TrainingEvent> events = events("corrupt", TrainingEvent.Succeeded.class);

        assertThat(events).filteredOn(TrainingEvent.Started.class::isInstance)
                .containsExactly(new TrainingEvent.Started("corrupt"));
        assertThat(events).filteredOn(TrainingEvent.Progress.class::isInstance)
                .extracting(e -> ((TrainingEvent.Progress) e).step()).first().isEqualTo(1);
    }

    /**
     * A job whose runs never ended - five trainers died on it, each leaving its run's marker - is given up on its
     * next delivery: {@code failed} with the reason, the request in the dead-letter topic, the markers gone.
     */
    @Test
    void aJobThatKilledItsTrainerMaxAttemptsTimesIsGivenUpAndDeadLettered() throws Exception {
        TrainingRequest request = TrainingFixtures.lora("crashy", "crashy", TrainingFixtures.publishDataset(artifacts, "crashy"), 2);
        for (int run = 0; run < 5; run++) {
            artifacts.objects().put(ObjectKeys.run("training", "crashy", "dead-trainer-" + run), new byte[0]);
        }

        submit(request);

        List<TrainingEvent> events = events("crashy", TrainingEvent.Failed.class);
        assertThat(events).noneMatch(TrainingEvent.Started.class::isInstance);
        assertThat(((TrainingEvent.Failed) events.get(events.size() - 1)).reason())
                .isEqualTo("gave up on the job: it was started 5 times and never ended: its trainer died each time "
                        + "(out of memory?)");
        DeadLetter letter = JsonCodec.decode(TestBroker.await(Topics.TRAINING_REQUESTS_DLQ, "crashy",
                values -> !values.isEmpty(), JOB).get(0).getBytes(StandardCharsets.UTF_8), DeadLetter.class);
        assertThat(letter.reason()).isEqualTo("job crashy: gave up on the job: it was started 5 times and never ended: "
                + "its trainer died each time (out of memory?)");
        assertThat(letter.value()).isEqualTo(json(request));
        assertThat(artifacts.objects().list(ObjectKeys.runs("training", "crashy"))).isEmpty();
    }

    /**
     * The store down past the trainer's retries (2 s in the test profile): the request is sent again one attempt
     * on, the consumer going on meanwhile; the store back, the next attempt trains the job.
     */
    @Test
    void anAttemptEndedByAStoreOutageIsSentAgainAndTheNextOneSucceeds() throws Exception {
        TrainingRequest request = TrainingFixtures.lora("outage", "outage", TrainingFixtures.publishDataset(artifacts, "outage"), 2);
        EmbeddedPlatformResource.platform().stopStore();
        try {
            submit(request);
            TestBroker.awaitRecords(Topics.TRAINING_REQUESTS, "outage", records -> records.stream()
                    .anyMatch(r -> Attempts.of(r) == 2), JOB);
        } finally {
            EmbeddedPlatformResource.platform().startStore();
        }

        List<TrainingEvent> events = events("outage", TrainingEvent.Succeeded.class);

        assertThat(events).noneMatch(TrainingEvent.Failed.class::isInstance);
        assertThat(TestBroker.awaitRecords(Topics.TRAINING_REQUESTS, "outage", records -> true, JOB))
                .extracting(Attempts::of).startsWith(1, 2).isSorted();
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "outage"))).isPresent();
    }

    /** An outage through all five attempts: the job is given up, {@code failed}, its request dead-lettered. */
    @Test
    void aJobWhoseAttemptsAllEndInAnOutageIsGivenUp() throws Exception {
        TrainingRequest request = TrainingFixtures.lora("lasting", "lasting", TrainingFixtures.publishDataset(artifacts, "lasting"), 2);
        EmbeddedPlatformResource.platform().stopStore();
        List<TrainingEvent> events;
        try {
            submit(request);
            events = events("lasting", TrainingEvent.Failed.class);
        } finally {
            EmbeddedPlatformResource.platform().startStore();
        }

        assertThat(((TrainingEvent.Failed) events.get(events.size() - 1)).reason())
                .startsWith("gave up on the job: attempt 5 of 5 ended as the others: the object store is unreachable: ");
        assertThat(TestBroker.awaitRecords(Topics.TRAINING_REQUESTS, "lasting", records -> records.size() == 5, JOB))
                .extracting(Attempts::of).containsExactly(1, 2, 3, 4, 5);
        DeadLetter letter = JsonCodec.decode(TestBroker.await(Topics.TRAINING_REQUESTS_DLQ, "lasting",
                values -> !values.isEmpty(), JOB).get(0).getBytes(StandardCharsets.UTF_8), DeadLetter.class);
        assertThat(letter.reason()).contains("gave up on the job: attempt 5 of 5");
        assertThat(letter.value()).isEqualTo(json(request));
    }

    @Test
    void aRecordThatIsNoRequestGoesToTheDeadLetterTopic() throws Exception {
        RecordMetadata sent = TestBroker.send(Topics.TRAINING_REQUESTS, "poison", "{\"schema_version\": 1, \"job_id\": ");

        DeadLetter letter = JsonCodec.decode(TestBroker.await(Topics.TRAINING_REQUESTS_DLQ, "poison",
                values -> !values.isEmpty(), JOB).get(0).getBytes(StandardCharsets.UTF_8), DeadLetter.class);

        assertThat(letter.topic()).isEqualTo(Topics.TRAINING_REQUESTS);
        assertThat(letter.partition()).isEqualTo(sent.partition());
        assertThat(letter.offset()).isEqualTo(sent.offset());
        assertThat(letter.value()).isEqualTo("{\"schema_version\": 1, \"job_id\": ");
        assertThat(letter.reason()).contains("not valid JSON");
    }

    @Test
    void aJobWhoseImagesAreMissingFails() throws Exception {
        StoredObject neverUploaded = new StoredObject("tenants/" + TENANT + "/datasets/gone/img-0.png", "0".repeat(64), 100L);
        submit(TrainingFixtures.lora("missing-images", "gone", List.of(neverUploaded), 2));

        List<TrainingEvent> events = events("missing-images", TrainingEvent.Failed.class);

        assertThat(((TrainingEvent.Failed) events.get(events.size() - 1)).reason())
                .isEqualTo("dataset image tenants/" + TENANT + "/datasets/gone/img-0.png is not in the object store: upload the dataset again");
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "missing-images"))).isEmpty();
        assertThat(jobFolders("missing-images")).isEmpty();
    }

    @Test
    void aDatasetsCaptionsReachTheEngineWhereTextualInversionRefusesOneWithoutItsToken() throws Exception {
        TrainingFixtures.publishBaseModel(artifacts);
        List<StoredObject> files = TrainingFixtures.publishDataset(artifacts, "captioned",
                List.of("a <cat-toy> on a green background", "a red circle"));
        StoredObject captions = files.get(files.size() - 1);
        submit(TrainingFixtures.withCaptions(TrainingFixtures.textualInversion("captioned-ti", "captioned",
                files.subList(0, files.size() - 1), 2), captions));

        List<TrainingEvent> events = events("captioned-ti", TrainingEvent.Failed.class);

        assertThat(captions.key()).endsWith("/metadata.jsonl");
        assertThat(((TrainingEvent.Failed) events.get(events.size() - 1)).reason()).isEqualTo("training failed: "
                + "the caption 'a red circle' does not hold the placeholder token <cat-toy>: Textual Inversion learns "
                + "the token from captions that say it");
    }

    @Test
    void aJobOnAnotherTenantsDatasetFails() throws Exception {
        List<StoredObject> theirs = TrainingFixtures.publishDataset(artifacts, "theirs");
        TrainingRequest lora = TrainingFixtures.lora("not-mine", "theirs", theirs, 2);
        submit(new TrainingRequest(lora.jobId(), "tenant-b", lora.method(), lora.baseModelId(), lora.datasetId(),
                lora.images(), null, null, null, lora.instancePrompt(), null, null, lora.hyperParameters()));

        List<TrainingEvent> events = events("not-mine", TrainingEvent.Failed.class);

        assertThat(((TrainingEvent.Failed) events.get(events.size() - 1)).reason())
                .startsWith("image " + theirs.get(0).key() + " is not in dataset theirs")
                .contains("tenants/tenant-b/datasets/theirs/");
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at("tenant-b", "not-mine"))).isEmpty();
    }

    @Test
    void aCancellationFromAnotherTenantCancelsNothing() throws Exception {
        TestBroker.send(Topics.TRAINING_CANCELLATIONS, "not-theirs", json(new TrainingCancellation("not-theirs", "tenant-b")));
        submit(TrainingFixtures.lora("not-theirs", "not-theirs", TrainingFixtures.publishDataset(artifacts, "not-theirs"), 2));

        events("not-theirs", TrainingEvent.Succeeded.class);
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "not-theirs"))).isPresent();
    }

    @Test
    void aJobOnAnUnknownBaseModelFails() throws Exception {
        TrainingRequest lora = TrainingFixtures.lora("no-model", "no-model", TrainingFixtures.publishDataset(artifacts, "no-model"), 2);
        submit(new TrainingRequest(lora.jobId(), lora.tenant(), lora.method(), "sd-9", lora.datasetId(), lora.images(), null, null, null,
                lora.instancePrompt(), null, null, lora.hyperParameters()));

        List<TrainingEvent> events = events("no-model", TrainingEvent.Failed.class);

        assertThat(((TrainingEvent.Failed) events.get(events.size() - 1)).reason())
                .isEqualTo("base model sd-9 is not in the object store (no models/sd-9/manifest.json)");
    }

    @Test
    void aCancelledJobStopsAndStoresNothing() throws Exception {
        submit(TrainingFixtures.lora("cancelled-job", "cancelled", TrainingFixtures.publishDataset(artifacts, "cancelled"), 100_000));
        events("cancelled-job", TrainingEvent.Progress.class);

        TestBroker.send(Topics.TRAINING_CANCELLATIONS, "cancelled-job", json(new TrainingCancellation("cancelled-job", TENANT)));

        List<TrainingEvent> events = events("cancelled-job", TrainingEvent.Cancelled.class);
        assertThat(count(events, TrainingEvent.Succeeded.class)).isZero();
        assertThat(artifacts.manifest(Shelf.ADAPTERS.at(TENANT, "cancelled-job"))).isEmpty();
        assertThat(artifacts.objects().list(Shelf.ADAPTERS.at(TENANT, "cancelled-job").prefix())).isEmpty();
    }

    /**
     * The test profile gives the request consumer a max.poll.interval.ms of 3 s: a job that held the poll
     * loop would lose its partition and the channel would report it. The job runs 8 s, then its record is
     * committed once it ends.
     */
    @Test
    void healthStaysUpWhileAJobRunsLongerThanThePollInterval() throws Exception {
        TrainingRequest request = TrainingFixtures.lora("long-job", "long", TrainingFixtures.publishDataset(artifacts, "long"), 100_000);
        RecordMetadata sent = TestBroker.send(Topics.TRAINING_REQUESTS, request.key(), json(request));
        events("long-job", TrainingEvent.Progress.class);

        HttpClient http = HttpClient.newHttpClient();
        long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        int checks = 0;
        while (System.nanoTime() < end) {
            for (URI health : List.of(live, ready)) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(health).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(health + ": " + response.body()).isEqualTo(200);
                checks++;
            }
            Thread.sleep(250);
        }
        assertThat(count(TestBroker.decode(TestBroker.await(Topics.TRAINING_EVENTS, "long-job", values -> true, JOB)),
                TrainingEvent.Progress.class)).as("still training").isGreaterThan(1);

        TestBroker.send(Topics.TRAINING_CANCELLATIONS, "long-job", json(new TrainingCancellation("long-job", TENANT)));
        events("long-job", TrainingEvent.Cancelled.class);
        long deadline = System.nanoTime() + JOB.toNanos();
        while (TestBroker.committed("sdtune-trainer", Topics.TRAINING_REQUESTS).getOrDefault(sent.partition(), -1L) <= sent.offset()) {
            assertThat(System.nanoTime()).as("the finished job's record is committed").isLessThan(deadline);
            Thread.sleep(500);
        }
        assertThat(checks).isGreaterThan(20);
    }

    /** What is left of a job's local folder: nothing, once the job has ended. */
    private static List<Path> jobFolders(String jobId) throws IOException {
        Path jobs = ConfigProvider.getConfig().getValue("sdtune.trainer.work-dir", Path.class);
        try (Stream<Path> folders = Files.list(jobs)) {
            return folders.filter(p -> p.getFileName().toString().startsWith("job-" + jobId + "-")).toList();
        }
    }

    /** Sends {@code queued} (the gateway's) and the request. */
    private static TrainingRequest submit(TrainingRequest request) throws Exception {
        TestBroker.send(Topics.TRAINING_EVENTS, request.key(), json(new TrainingEvent.Queued(request.jobId(), request.tenant())));
        TestBroker.send(Topics.TRAINING_REQUESTS, request.key(), json(request));
        return request;
    }

    /** The job's events up to the first of type {@code last}. */
    private static List<TrainingEvent> events(String jobId, Class<? extends TrainingEvent> last) {
        return TestBroker.trainingEvents(jobId, last, JOB);
    }

    private static List<AdapterAnnouncement> announcements(String adapterId, int n) {
        return TestBroker.await(Topics.ADAPTERS, adapterId, values -> values.size() >= n, JOB).stream()
                .map(v -> JsonCodec.decode(v.getBytes(StandardCharsets.UTF_8), AdapterAnnouncement.class)).toList();
    }


    private static long count(List<TrainingEvent> events, Class<? extends TrainingEvent> type) {
        return events.stream().filter(type::isInstance).count();
    }
}
