package io.sdtune.generator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.messaging.Records;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Runs;
import io.sdtune.storage.StoredFile;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code generation.requests} in, {@code generation.results} out. Records are handled concurrently (unordered
 * blocking), so that requests arriving together meet in the {@link Batcher}'s window; a record that does not
 * decode goes to the dead-letter topic, a request that cannot be served gets a failed result, and either way
 * the record is acknowledged.
 *
 * <p>Admission: the method runs on the worker pool {@value #WORKERS}, whose {@code max-concurrency} is the
 * admission limit (application.properties). SmallRye requests no more records than that pool's concurrency for
 * an unordered blocking method, so the connector's queue fills and it pauses the partitions: what waits beyond
 * the limit stays in Kafka.
 */
@ApplicationScoped
public class GenerationConsumer {
    private static final Logger LOG = Logger.getLogger(GenerationConsumer.class);

    @Inject
    Batcher batcher;

    @Inject
    ImageShelf images;

    @Inject
    MeterRegistry registry;

    /** Records in hand: admitted, not yet answered (bounded by the admission limit). */
    private final AtomicInteger inHand = new AtomicInteger();

    @Inject
    ObjectStore objects;

    /** Runs of a request that never ended because the generator died drawing it; see {@link Runs}. */
    @ConfigProperty(name = "sdtune.generator.max-attempts")
    int maxAttempts;

    private Runs runs;

    @Inject
    @Channel("generation-results")
    MutinyEmitter<String> results;

    @Inject
    @Channel("generation-dead-letters")
    MutinyEmitter<String> deadLetters;

    @PostConstruct
    void start() {
        runs = new Runs(objects, "generation");
        Gauge.builder("sdtune.generator.requests.in.hand", inHand, AtomicInteger::get)
                .description("generation requests taken from Kafka and not yet answered").register(registry);
    }

    /** The worker pool of the consumer method ({@code smallrye.messaging.worker.<name>.max-concurrency}). */
    static final String WORKERS = "generation-requests";

    @Incoming("generation-requests")
    @Blocking(value = WORKERS, ordered = false)
    public void consume(ConsumerRecord<String, String> record) {
        inHand.incrementAndGet();
        try {
            handle(record);
        } finally {
            inHand.decrementAndGet();
        }
    }

    private void handle(ConsumerRecord<String, String> record) {
        GenerationRequest request;
        try {
            request = Records.decode(record, GenerationRequest.class).withDefaults();
        } catch (InvalidMessageException e) {
            LOG.warnf("dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
            deadLetters.sendMessageAndAwait(Records.deadLetter(record, e.getMessage()));
            return;
        }
        Runs.Run run;
        try {
            run = runs.begin(request.requestId());
        } catch (IOException e) {
            results.sendMessageAndAwait(Records.keyed(failed(request, e)));
            return;
        }
        try {
            if (run.unended() >= maxAttempts) {
                giveUp(record, request, "it was started " + run.unended() + " times and never ended: its generator died"
                        + " each time (out of memory?)");
            } else {
                results.sendMessageAndAwait(Records.keyed(serve(request, record.timestamp())));
            }
        } finally {
            runs.end(run);
        }
    }

    /** A request that killed its generator {@code max-attempts} times: failed, and dead-lettered, with the reason. */
    private void giveUp(ConsumerRecord<String, String> record, GenerationRequest request, String why) {
        String reason = "gave up on the request: " + why;
        LOG.warnf("request %s: %s", request.requestId(), reason);
        try {
            runs.forget(request.requestId());
        } catch (IOException e) {
            LOG.warnf(e, "request %s: its run markers could not be removed", request.requestId());
        }
        results.sendMessageAndAwait(Records.keyed(new GenerationResult.Failed(request.requestId(), reason)));
        deadLetters.sendMessageAndAwait(Records.deadLetter(record, reason));
    }

    /** The stored images of a replayed request, else freshly drawn ones; a failure with its reason otherwise. */
    private GenerationResult serve(GenerationRequest r, long receivedAtMs) {
        try {
            Optional<List<StoredFile>> stored = images.existing(r.tenant(), r.requestId(), r.numImagesPerPrompt());
            if (stored.isPresent()) {
                LOG.infof("request %s was drawn before: its images are re-announced", r.requestId());
                return new GenerationResult.Succeeded(r.requestId(),
                        stored.get().stream().map(StoredFile::asStoredObject).toList(),
                        new GenerationResult.Timings(0, 0, 0, 0));
            }
            Batcher.Drawn drawn = batcher.submit(r).join();
            long uploadStart = System.currentTimeMillis();
            List<StoredObject> uploaded = upload(r, drawn.images());
            long uploadMs = System.currentTimeMillis() - uploadStart;
            return new GenerationResult.Succeeded(r.requestId(), uploaded, new GenerationResult.Timings(
                    Math.max(0, drawn.startedAtMs() - receivedAtMs), drawn.adapterLoadMs(), drawn.inferenceMs(), uploadMs));
        } catch (CompletionException e) {
            return failed(r, e.getCause());
        } catch (Exception e) {
            return failed(r, e);
        }
    }

    /** The images as PNGs with their A1111 parameters; a partial earlier upload is overwritten. */
    private List<StoredObject> upload(GenerationRequest r, List<GeneratedImage> drawn) throws IOException {
        List<StoredObject> stored = new ArrayList<>();
        Path png = Files.createTempFile("sdtune-image", ".png");
        try {
            for (int n = 0; n < drawn.size(); n++) {
                drawn.get(n).save(png);
                stored.add(images.put(r.tenant(), r.requestId(), n, Files.readAllBytes(png)).asStoredObject());
            }
        } finally {
            Files.deleteIfExists(png);
        }
        return stored;
    }

    private static GenerationResult failed(GenerationRequest r, Throwable cause) {
        if (cause instanceof Rejected) {
            return new GenerationResult.Failed(r.requestId(), cause.getMessage());
        }
        LOG.errorf(cause, "request %s failed", r.requestId());
        return new GenerationResult.Failed(r.requestId(), "generation failed: " + cause);
    }
}
