package io.sdtune.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.training.DreamBoothMethod;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Shelf;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The service on a real broker and a real S3 server, drawing with the tiny model at 64 px in 2 steps. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPlatformResource.class)
class GeneratorServiceTest {
    private static final String BASE = EmbeddedPlatformResource.BASE_MODEL;
    private static final String TENANT = "tenant-a";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Inject
    ObjectStore objects;

    @Inject
    ArtifactStore artifacts;

    @Inject
    ArtifactCache cache;

    @Inject
    AdapterLibrary library;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/q/health/live")
    URI live;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    private static KafkaProducer<String, String> producer;
    private static final Map<String, Map<String, String>> received = new HashMap<>();
    private static final Map<String, KafkaConsumer<String, String>> consumers = new HashMap<>();
    private static boolean adaptersPublished;

    @BeforeAll
    static void noneYet() {
        received.clear();
    }

    @AfterAll
    static void close() {
        if (producer != null) {
            producer.close();
        }
        consumers.values().forEach(KafkaConsumer::close);
    }

    @Test
    void aPlainRequestStoresItsPngsAndAnnouncesThem() throws Exception {
        GenerationResult.Succeeded result = succeeded(generate(request("plain", "a photo of a dog", 2, List.of())));

        assertThat(result.images()).extracting(StoredObject::key)
                .containsExactly("tenants/" + TENANT + "/images/plain/0.png", "tenants/" + TENANT + "/images/plain/1.png");
        for (StoredObject image : result.images()) {
            byte[] png = objects.open(image.key()).readAllBytes();
            assertThat(png).hasSize(image.sizeBytes().intValue());
            assertThat(new String(png, StandardCharsets.ISO_8859_1)).startsWith("\u0089PNG")
                    .contains("parameters").contains("a photo of a dog").contains("Steps: 2");
        }
        assertThat(result.images().get(0).sha256()).isNotEqualTo(result.images().get(1).sha256());
        assertThat(result.timings().inferenceMs()).isPositive();
    }

    @Test
    void aLoraChangesTheImageAndItsScaleMatters() throws Exception {
        publishAdapters();
        String without = firstSha(request("no-lora", "a photo of a dog", 1, List.of()));
        String full = firstSha(request("lora-1", "a photo of a dog", 1, List.of(new AppliedAdapter("lora-a", 1.0))));
        String half = firstSha(request("lora-half", "a photo of a dog", 1, List.of(new AppliedAdapter("lora-a", 0.5))));

        assertThat(List.of(without, full, half)).doesNotHaveDuplicates();
    }

    @Test
    void anEmbeddingGivesItsTokenAMeaning() throws Exception {
        publishAdapters();
        String a = firstSha(request("toy-a", "a <cat-toy> backpack", 1, List.of(new AppliedAdapter("toy-a", 1.0))));
        String b = firstSha(request("toy-b", "a <cat-toy> backpack", 1, List.of(new AppliedAdapter("toy-b", 1.0))));

        assertThat(a).as("the same prompt with another vector for <cat-toy>").isNotEqualTo(b);
    }

    @Test
    void anotherTenantsAdapterIsUnknownToTheCaller() throws Exception {
        publishAdapters();
        GenerationRequest mine = request("theirs-lora", "a photo of a dog", 1, List.of(new AppliedAdapter("lora-a", 1.0)));
        GenerationRequest theirs = new GenerationRequest(mine.requestId(), "tenant-b", mine.baseModelId(), mine.prompt(),
                null, mine.adapters(), 2, 7.5, "ddim", 42L, 64, 64, 1);

        assertThat(((GenerationResult.Failed) generate(theirs)).reason()).isEqualTo("unknown adapter lora-a");
        assertThat(objects.list("tenants/tenant-b/")).isEmpty();
    }

    @Test
    void aDeletedAdapterIsEvictedOnItsTombstoneAndRefusedFromThenOn() throws Exception {
        try (StableDiffusion model = StableDiffusion.load(cache.fetch(Shelf.MODELS.at(BASE)))) {
            publishLora(Files.createTempDirectory("sdtune-deleted"), "lora-deleted", model, 11);
        }
        succeeded(generate(request("before-delete", "a dog", 1, List.of(new AppliedAdapter("lora-deleted", 1.0)))));
        long evictionsBefore = library.stats().evictions();

        artifacts.delete(Shelf.ADAPTERS.at(TENANT, "lora-deleted"));
        producer().send(new ProducerRecord<>(Topics.ADAPTERS, "lora-deleted", null)).get();

        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (library.stats().evictions() == evictionsBefore) {
            assertThat(System.nanoTime()).as("evicted on the tombstone").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(((GenerationResult.Failed) generate(request("after-delete", "a dog", 1,
                List.of(new AppliedAdapter("lora-deleted", 1.0))))).reason()).isEqualTo("unknown adapter lora-deleted");
    }

    @Test
    void parsedAdaptersAreEvictedLeastRecentlyUsedFirstByBytes() throws Exception {
        publishAdapters();
        // The test bound (application.properties) is below one adapter's bytes: only the last used stays parsed.
        AdapterLibrary.Stats before = library.stats();
        List<String> uses = List.of("lora-b", "lora-b", "lora-a", "lora-b");
        for (int i = 0; i < uses.size(); i++) {
            succeeded(generate(request("evict-" + i, "a dog", 1, List.of(new AppliedAdapter(uses.get(i), 1.0)))));
        }
        AdapterLibrary.Stats after = library.stats();

        assertThat(after.loads() - before.loads()).as("lora-b (used by no other test) parsed, kept, lora-a parsed, lora-b parsed again")
                .isEqualTo(3);
        assertThat(after.evictions() - before.evictions()).as("lora-b for lora-a, lora-a for lora-b")
                .isGreaterThanOrEqualTo(2);
        assertThat(cache.stats().entries()).isPositive();
    }

    @Test
    void concurrentRequestsWithTheSameSettingsAreDrawnInOneBatchEachWithItsPrompt() throws Exception {
        DistributionSummary batches = registry.get("sdtune.generator.batches").summary();
        long batchesBefore = batches.count();
        double requestsBefore = batches.totalAmount();

        // the same settings, other prompts and image counts
        send(request("together-1", "a cat", 1, List.of()));
        send(request("together-2", "a red bicycle", 2, List.of()));
        GenerationResult.Succeeded one = succeeded(result("together-1"));
        GenerationResult.Succeeded two = succeeded(result("together-2"));

        assertThat(batches.count() - batchesBefore).isEqualTo(1);
        assertThat(batches.totalAmount() - requestsBefore).isEqualTo(2);
        assertThat(one.images()).hasSize(1);
        assertThat(two.images()).hasSize(2);
        assertThat(new String(objects.open(one.images().get(0).key()).readAllBytes(), StandardCharsets.ISO_8859_1))
                .contains("a cat").doesNotContain("a red bicycle");
        assertThat(new String(objects.open(two.images().get(1).key()).readAllBytes(), StandardCharsets.ISO_8859_1))
                .contains("a red bicycle").contains("Seed: 43");
        assertThat(one.images().get(0).sha256()).isNotEqualTo(two.images().get(0).sha256());
    }

    @Test
    void concurrentRequestsOfOtherTenantsAndLorasAreDrawnInOneCallEachAsItWouldBeAlone() throws Exception {
        publishAdapters();
        List<GenerationRequest> requests = List.of(
                request("mixed-a", "a dog", 1, List.of(new AppliedAdapter("lora-a", 1.0))),
                request("mixed-b", "a dog", 1, List.of(new AppliedAdapter("lora-b", 0.5))),
                new GenerationRequest("mixed-other-tenant", "tenant-c", BASE, "a dog", null, List.of(), 2, 7.5, "ddim",
                        42L, 64, 64, 1));
        List<int[]> alone = new ArrayList<>();
        for (GenerationRequest r : requests) {
            GenerationRequest again = new GenerationRequest(r.requestId() + "-alone", r.tenant(), r.baseModelId(),
                    r.prompt(), null, r.adapters(), 2, 7.5, "ddim", 42L, 64, 64, 1);
            alone.add(pixels(succeeded(generate(again)).images().get(0)));
        }
        DistributionSummary batches = registry.get("sdtune.generator.batches").summary();
        long batchesBefore = batches.count();
        double requestsBefore = batches.totalAmount();

        for (GenerationRequest r : requests) {
            send(r);
        }
        List<int[]> together = new ArrayList<>();
        for (GenerationRequest r : requests) {
            together.add(pixels(succeeded(result(r.requestId())).images().get(0)));
        }

        assertThat(batches.count() - batchesBefore).as("engine calls").isEqualTo(1);
        assertThat(batches.totalAmount() - requestsBefore).isEqualTo(3);
        for (int i = 0; i < requests.size(); i++) {
            int[] a = alone.get(i);
            int[] b = together.get(i);
            for (int j = 0; j < a.length; j++) {
                assertThat(Math.abs(a[j] - b[j])).as("%s, channel value %d", requests.get(i).requestId(), j)
                        .isLessThanOrEqualTo(1);
            }
        }
        assertThat(together.get(0)).as("lora-a and lora-b draw different dogs").isNotEqualTo(together.get(1));
    }

    @Test
    void aDreamBoothModelAsTheTrainerPublishesItDrawsInsteadOfTheBaseModel() throws Exception {
        publishAdapters();
        publishDreamBooth("dreambooth", 5);
        String base = firstSha(request("base-not-dreambooth", "a photo of <cat-toy>", 1, List.of()));

        GenerationResult.Succeeded drawn = succeeded(generate(request("dreambooth-drawn", "a photo of <cat-toy>", 1,
                List.of(new AppliedAdapter("dreambooth", 1.0)))));
        GenerationResult withLora = generate(request("dreambooth-with-lora", "a photo of <cat-toy>", 1,
                List.of(new AppliedAdapter("dreambooth", 1.0), new AppliedAdapter("lora-a", 1.0))));

        assertThat(drawn.images().get(0).sha256()).as("the same request on the DreamBooth model").isNotEqualTo(base);
        assertThat(new String(objects.open(drawn.images().get(0).key()).readAllBytes(), StandardCharsets.ISO_8859_1))
                .contains("a photo of <cat-toy>");
        assertThat(((GenerationResult.Failed) withLora).reason()).contains("dreambooth").contains("used alone");
    }

    @Test
    void aDreamBoothModelPublishedAnewIsDrawnWithAnew() throws Exception {
        publishDreamBooth("dreambooth-renewed", 6);
        String first = firstSha(request("renewed-1", "a photo of <cat-toy>", 1,
                List.of(new AppliedAdapter("dreambooth-renewed", 1.0))));
        artifacts.delete(Shelf.ADAPTERS.at(TENANT, "dreambooth-renewed"));
        publishDreamBooth("dreambooth-renewed", 7);

        String second = firstSha(request("renewed-2", "a photo of <cat-toy>", 1,
                List.of(new AppliedAdapter("dreambooth-renewed", 1.0))));

        assertThat(second).as("the same request on the UNet published in its place").isNotEqualTo(first);
    }

    @Test
    void anUnknownAdapterFailsWithTheReason() throws Exception {
        GenerationResult result = generate(request("unknown", "a dog", 1, List.of(new AppliedAdapter("nowhere", 1.0))));

        assertThat(result).isInstanceOf(GenerationResult.Failed.class);
        assertThat(((GenerationResult.Failed) result).reason()).isEqualTo("unknown adapter nowhere");
    }

    @Test
    void aLoraWhoseMatricesDoNotFitTheLayersTheyNameFailsNamingTheLayerAndBothShapes() throws Exception {
        String layer = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
        Shape weight;
        try (StableDiffusion model = StableDiffusion.load(cache.fetch(Shelf.MODELS.at(BASE)))) {
            weight = model.loraLayers().get(LoraFile.Component.UNET).get(layer);
        }
        long wider = weight.dim(1) + 1;
        publishLora(Files.createTempDirectory("sdtune-misfit"), "lora-misfit", Map.of(
                "unet." + layer + ".lora.down.weight", TensorData.allocate(DType.FLOAT32, Shape.of(4, wider)),
                "unet." + layer + ".lora.up.weight", TensorData.allocate(DType.FLOAT32, Shape.of(weight.dim(0), 4))));

        GenerationResult result = generate(request("misfit", "a dog", 1, List.of(new AppliedAdapter("lora-misfit", 1.0))));

        assertThat(((GenerationResult.Failed) result).reason()).isEqualTo("adapter lora-misfit does not fit base model "
                + BASE + ": pytorch_lora_weights.safetensors: LoRA layer unet." + layer + " has weight " + weight
                + " [out, in]: tensor 'unet." + layer + ".lora.down.weight' is [4, " + wider + "], but must be [rank, "
                + weight.dim(1) + "]");
    }

    @Test
    void anEmbeddingAtAnotherScaleFailsWithTheReason() throws Exception {
        publishAdapters();
        GenerationResult result = generate(request("scaled-embedding", "a <cat-toy>", 1,
                List.of(new AppliedAdapter("toy-a", 0.5))));

        assertThat(((GenerationResult.Failed) result).reason()).contains("EMBEDDING").contains("scale 1");
    }

    @Test
    void aPoisonRecordGoesToTheDeadLetterTopic() throws Exception {
        producer().send(new ProducerRecord<>(Topics.GENERATION_REQUESTS, "poison", "{\"not\": \"a request\"")).get();

        DeadLetter letter = JsonCodec.decode(await(Topics.GENERATION_REQUESTS_DLQ, "poison").getBytes(StandardCharsets.UTF_8),
                DeadLetter.class);
        assertThat(letter.reason()).contains("not valid JSON");
        assertThat(new String(letter.originalValue(), StandardCharsets.UTF_8)).isEqualTo("{\"not\": \"a request\"");
        // The consumer lives on: the next request is served.
        succeeded(generate(request("after-poison", "a dog", 1, List.of())));
    }

    @Test
    void aBatchPastItsTimeoutIsAnsweredFailedAndTheInstanceIsNotReadyUntilTheDrawerIsBack() throws Exception {
        // The drawer is held (on the adapter library's lock) past the batch timeout (65 s in the test configuration)
        // and past the connector's default bound on a record's wait for its ack, 60 s, checked every 5 s.
        synchronized (ClientProxy.unwrap(library)) {
            send(request("held", "a dog", 1, List.of()));
            Thread.sleep(Duration.ofSeconds(67).toMillis());
            assertThat(get(live).statusCode()).as("liveness").isEqualTo(200);
            HttpResponse<String> notReady = get(ready);
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains(DrawerReadiness.NAME).contains("past its timeout of 65 s");
            assertThat(((GenerationResult.Failed) result("held")).reason())
                    .isEqualTo("not drawn within the batch timeout of 65 s (sdtune.generator.batch-timeout)");
            assertThat(((GenerationResult.Failed) generate(request("while-stuck", "a dog", 1, List.of()))).reason())
                    .contains("past its timeout of 65 s");
        }

        // The drawer finishes the held batch (its images dropped), then the instance is ready and serves again.
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (get(ready).statusCode() != 200) {
            assertThat(System.nanoTime()).as("ready once the drawer is back").isLessThan(deadline);
            Thread.sleep(100);
        }
        succeeded(generate(request("after-held", "a dog", 1, List.of())));
    }

    @Test
    void recordsBeyondTheAdmissionLimitWaitInKafkaAndAreServedOnceAdmitted() throws Exception {
        Gauge inHand = registry.get("sdtune.generator.requests.in.hand").gauge();
        List<String> ids = List.of("admit-1", "admit-2", "admit-3", "admit-4", "admit-5");
        synchronized (ClientProxy.unwrap(library)) {
            for (String id : ids) {
                send(request(id, "a dog", 1, List.of()));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (inHand.value() < 3) {
                assertThat(System.nanoTime()).as("3 requests in hand").isLessThan(deadline);
                Thread.sleep(100);
            }
            Thread.sleep(2000);
            assertThat(inHand.value()).as("the admission limit of the test configuration").isEqualTo(3);
        }

        for (String id : ids) {
            succeeded(result(id));
        }
    }

    /**
     * A request that killed its generator three times - three runs' markers left in the store, as dead
     * generators leave them - is not drawn again: it is answered failed and dead-lettered, and the next is served.
     */
    @Test
    void aRequestThatKilledItsGeneratorMaxAttemptsTimesIsGivenUpAndDeadLettered() throws Exception {
        for (int run = 0; run < 3; run++) {
            objects.put(ObjectKeys.run("generation", "crashy", "dead-generator-" + run), new byte[0]);
        }

        GenerationRequest request = request("crashy", "a huge cat", 1, List.of());
        GenerationResult result = generate(request);

        String reason = "gave up on the request: it was started 3 times and never ended: its generator died each time"
                + " (out of memory?)";
        assertThat(result).isEqualTo(new GenerationResult.Failed("crashy", reason));
        // Keyed as the request's record: by its base model here.
        DeadLetter letter = JsonCodec.decode(await(Topics.GENERATION_REQUESTS_DLQ, request.key())
                .getBytes(StandardCharsets.UTF_8), DeadLetter.class);
        assertThat(letter.reason()).isEqualTo(reason);
        assertThat(letter.value()).contains("\"request_id\":\"crashy\"");
        assertThat(objects.list(ObjectKeys.runs("generation", "crashy"))).isEmpty();
        succeeded(generate(request("after-crashy", "a dog", 1, List.of())));
    }

    @Test
    void aReplayedRequestIsAnnouncedAgainWithoutDrawing() throws Exception {
        GenerationRequest request = request("replayed", "a bird", 1, List.of());
        GenerationResult.Succeeded first = succeeded(generate(request));
        long batches = registry.get("sdtune.generator.batches").summary().count();
        received.getOrDefault(Topics.GENERATION_RESULTS, new HashMap<>()).remove("replayed");

        GenerationResult.Succeeded again = succeeded(generate(request));

        assertThat(again.images()).isEqualTo(first.images());
        assertThat(registry.get("sdtune.generator.batches").summary().count()).isEqualTo(batches);
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static GenerationRequest request(String id, String prompt, int count, List<AppliedAdapter> adapters) {
        return new GenerationRequest(id, TENANT, BASE, prompt, null, adapters, 2, 7.5, "ddim", 42L, 64, 64, count);
    }

    private GenerationResult generate(GenerationRequest request) throws Exception {
        send(request);
        return result(request.requestId());
    }

    private void send(GenerationRequest request) throws Exception {
        producer().send(new ProducerRecord<>(Topics.GENERATION_REQUESTS, request.key(),
                new String(JsonCodec.encode(request), StandardCharsets.UTF_8))).get();
    }

    private GenerationResult result(String requestId) {
        return JsonCodec.decode(await(Topics.GENERATION_RESULTS, requestId).getBytes(StandardCharsets.UTF_8),
                GenerationResult.class);
    }

    private static GenerationResult.Succeeded succeeded(GenerationResult result) {
        assertThat(result).isInstanceOf(GenerationResult.Succeeded.class);
        return (GenerationResult.Succeeded) result;
    }

    /** The stored PNG's channel values, row by row. */
    private int[] pixels(StoredObject image) throws Exception {
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(objects.open(image.key()).readAllBytes()));
        return png.getRaster().getPixels(0, 0, png.getWidth(), png.getHeight(), (int[]) null);
    }

    private String firstSha(GenerationRequest request) throws Exception {
        return succeeded(generate(request)).images().get(0).sha256();
    }

    /** The value of the first record under {@code key} on {@code topic}, read from the beginning. */
    private String await(String topic, String key) {
        KafkaConsumer<String, String> consumer = consumers.computeIfAbsent(topic, t -> {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            KafkaConsumer<String, String> c = new KafkaConsumer<>(p);
            TopicPartition partition = new TopicPartition(t, 0);
            c.assign(List.of(partition));
            c.seekToBeginning(List.of(partition));
            return c;
        });
        Map<String, String> seen = received.computeIfAbsent(topic, t -> new HashMap<>());
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!seen.containsKey(key)) {
            assertThat(System.nanoTime()).as("a record keyed " + key + " on " + topic).isLessThan(deadline);
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                seen.put(r.key(), r.value());
            }
        }
        return seen.get(key);
    }

    private KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    /** Two LoRAs with random up matrices and two embeddings of {@code <cat-toy>}, for the tiny base model. */
    private void publishAdapters() throws Exception {
        if (adaptersPublished) {
            return;
        }
        Path dir = Files.createTempDirectory("sdtune-adapters");
        try (StableDiffusion model = StableDiffusion.load(cache.fetch(Shelf.MODELS.at(BASE)))) {
            publishLora(dir, "lora-a", model, 1);
            publishLora(dir, "lora-b", model, 2);
            long hidden = model.textEncoderConfig().hiddenSize();
            publishEmbedding(dir, "toy-a", hidden, 3);
            publishEmbedding(dir, "toy-b", hidden, 4);
        }
        adaptersPublished = true;
    }

    private void publishLora(Path dir, String id, StableDiffusion model, long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (var layer : model.loraLayers().get(LoraFile.Component.UNET).entrySet()) {
            if (layer.getKey().matches(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)")) {
                Shape weight = layer.getValue();
                tensors.put("unet." + layer.getKey() + ".lora.down.weight",
                        TensorData.randn(DType.FLOAT32, Shape.of(4, weight.dim(1)), 0.5, random));
                tensors.put("unet." + layer.getKey() + ".lora.up.weight",
                        TensorData.randn(DType.FLOAT32, Shape.of(weight.dim(0), 4), 0.5, random));
            }
        }
        publishLora(dir, id, tensors);
    }

    private void publishLora(Path dir, String id, Map<String, TensorData> tensors) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(id));
        SafeTensors.write(folder.resolve("pytorch_lora_weights.safetensors"), tensors, Map.of("format", "pt"));
        artifacts.publish(Shelf.ADAPTERS.at(TENANT, id), "LORA", ArtifactFile.allIn(folder), Map.of(AdapterShelf.BASE_MODEL, BASE));
    }

    /**
     * A DreamBooth adapter as the trainer publishes one: the folder the engine's {@link DreamBoothMethod} saves (a
     * whole diffusers pipeline, here with a UNet of other random weights than the base model's) as kind FULL_UNET,
     * with the trainer's metadata.
     */
    private void publishDreamBooth(String id, long seed) throws Exception {
        Path folder = Files.createTempDirectory("sdtune-dreambooth");
        try (StableDiffusion model = StableDiffusion.load(cache.fetch(Shelf.MODELS.at(BASE)))) {
            Random random = new Random(seed);
            Map<String, TensorData> trained = new LinkedHashMap<>();
            for (String key : model.unet().keys()) {
                trained.put("unet." + key, TensorData.randn(DType.FLOAT32, model.unet().get(key).shape(), 0.05, random));
            }
            new DreamBoothMethod(DType.FLOAT32).save(folder, model, trained);
        }
        artifacts.publish(Shelf.ADAPTERS.at(TENANT, id), "FULL_UNET", ArtifactFile.allIn(folder), Map.of(
                AdapterShelf.BASE_MODEL, BASE, "job_id", id, "trigger_tokens", "<cat-toy>"));
    }

    private void publishEmbedding(Path dir, String id, long hidden, long seed) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(id));
        SafeTensors.write(folder.resolve("learned_embeds.safetensors"), Map.of("<cat-toy>",
                TensorData.randn(DType.FLOAT32, Shape.of(1, hidden), 1.0, new Random(seed))), Map.of());
        artifacts.publish(Shelf.ADAPTERS.at(TENANT, id), "EMBEDDING", ArtifactFile.allIn(folder),
                Map.of(AdapterShelf.BASE_MODEL, BASE));
    }
}
