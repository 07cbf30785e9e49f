package io.sdtune.generator;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.runtime.AllocationFailedException;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Collects requests for a short window and draws those with the same {@link BatchKey} together, up to
 * {@code sdtune.generator.max-batch} images per batch (a request with more is drawn alone): one engine call for
 * the requests of a batch on the same model and embeddings, whatever their tenants and LoRAs. One thread
 * draws, so the resident pipelines and the adapter library are never used concurrently (one GPU per
 * instance). {@code sdtune.generator.batches} (a distribution of batch sizes, in requests) shows the batching
 * at {@code /q/metrics}.
 *
 * <p>Bounds: at most {@code sdtune.generator.admission-limit} requests wait here (the consumer's worker pool
 * takes no more records, so the rest stay in Kafka), and a batch that has not finished within
 * {@code sdtune.generator.batch-timeout} is given up: its requests and every queued one are answered with the
 * reason, and requests are refused until the drawer comes back (ONNX Runtime's native run cannot be
 * interrupted, so the drawer thread is left to finish and its late images are dropped).
 */
@ApplicationScoped
public class Batcher {
    private static final Logger LOG = Logger.getLogger(Batcher.class);

    /** A request's images and the milliseconds its batch spent loading adapters and drawing. */
    public record Drawn(List<GeneratedImage> images, long startedAtMs, long adapterLoadMs, long inferenceMs) {
    }

    private record Pending(GenerationRequest request, CompletableFuture<Drawn> result) {
    }

    /** The batch the drawer is on, when it started, and the requests collected with it that wait their turn. */
    private record Running(List<Pending> batch, long startedNanos, List<Pending> inHand) {
        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
        }
    }

    @Inject
    AdapterLibrary adapters;

    @Inject
    ResidentModels models;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "sdtune.generator.batch-window", defaultValue = "PT0.05S")
    Duration window;

    @ConfigProperty(name = "sdtune.generator.max-batch", defaultValue = "4")
    int maxImages;

    @ConfigProperty(name = "sdtune.generator.admission-limit")
    int admissionLimit;

    @ConfigProperty(name = "sdtune.generator.batch-timeout", defaultValue = "PT10M")
    Duration batchTimeout;

    private BlockingQueue<Pending> queue;
    private volatile Running running;
    private DistributionSummary batchSizes;
    private Thread drawer;
    private ScheduledExecutorService watchdog;

    @PostConstruct
    void start() {
        queue = new ArrayBlockingQueue<>(admissionLimit);
        batchSizes = DistributionSummary.builder("sdtune.generator.batches").baseUnit("requests")
                .description("requests drawn per engine call").register(registry);
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "generator-batch-watchdog");
            t.setDaemon(true);
            return t;
        });
        drawer = new Thread(this::drawForever, "generator-batcher");
        drawer.setDaemon(true);
        drawer.start();
    }

    @PreDestroy
    void stop() {
        watchdog.shutdownNow();
        drawer.interrupt();
    }

    /**
     * Queues a request (defaults filled in); completes with its images, or exceptionally ({@link Rejected}) - at
     * once when the admission limit is reached or the drawer is past its batch timeout.
     */
    public CompletableFuture<Drawn> submit(GenerationRequest request) {
        Pending p = new Pending(request, new CompletableFuture<>());
        if (!queue.offer(p)) {
            p.result().completeExceptionally(new Rejected("the generator is at its admission limit of " + admissionLimit
                    + " waiting requests (sdtune.generator.admission-limit)"));
        }
        // Checked after queueing: a request queued while the watchdog empties the queue is not left behind.
        Optional<String> stuck = stuck();
        if (stuck.isPresent() && queue.remove(p)) {
            p.result().completeExceptionally(new Rejected(stuck.get()));
        }
        return p.result();
    }

    /** Why the drawer is taken to be stuck: its batch has run past the timeout; empty while it keeps time. */
    public Optional<String> stuck() {
        Running r = running;
        if (r == null || r.elapsed().compareTo(batchTimeout) <= 0) {
            return Optional.empty();
        }
        return Optional.of("the generator's current batch has run " + r.elapsed().toSeconds() + " s, past its timeout of "
                + batchTimeout.toSeconds() + " s (sdtune.generator.batch-timeout)");
    }

    private void drawForever() {
        try {
            while (true) {
                List<Pending> collected = collect();
                Map<BatchKey, List<Pending>> batches = new LinkedHashMap<>();
                collected.forEach(p -> batches.computeIfAbsent(BatchKey.of(p.request()), k -> new ArrayList<>()).add(p));
                batches.values().stream().flatMap(same -> bounded(same).stream()).forEach(run -> draw(run, collected));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The first request waited for, then whatever else arrives within the window, up to the maximum. */
    private List<Pending> collect() throws InterruptedException {
        List<Pending> collected = new ArrayList<>(List.of(queue.take()));
        long deadline = System.nanoTime() + window.toNanos();
        while (collected.size() < maxImages) {
            Pending next = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            collected.add(next);
        }
        return collected;
    }

    /** Requests of one key in runs of at most {@code maxImages} images, in order. */
    private List<List<Pending>> bounded(List<Pending> same) {
        List<List<Pending>> runs = new ArrayList<>();
        List<Pending> run = new ArrayList<>();
        int images = 0;
        for (Pending p : same) {
            int count = p.request().numImagesPerPrompt();
            if (!run.isEmpty() && images + count > maxImages) {
                runs.add(run);
                run = new ArrayList<>();
                images = 0;
            }
            run.add(p);
            images += count;
        }
        runs.add(run);
        return runs;
    }

    /** Draws {@code batch} (one of the runs of {@code inHand}) under the watchdog; requests already answered are left out. */
    private void draw(List<Pending> batch, List<Pending> inHand) {
        List<Pending> waiting = batch.stream().filter(p -> !p.result().isDone()).toList();
        if (waiting.isEmpty()) {
            return;
        }
        Running r = new Running(waiting, System.nanoTime(), inHand);
        running = r;
        ScheduledFuture<?> expiry = watchdog.schedule(() -> expire(r), batchTimeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            drawNow(waiting, false);
        } finally {
            expiry.cancel(false);
            running = null;
        }
    }

    /**
     * The batch timed out: its requests, those collected with it and the queued ones are answered now, since the
     * drawer may never come back; its late result is dropped.
     */
    private void expire(Running r) {
        if (running != r) {
            return;
        }
        String reason = "not drawn within the batch timeout of " + batchTimeout.toSeconds()
                + " s (sdtune.generator.batch-timeout)";
        List<Pending> behind = new ArrayList<>(r.inHand());
        behind.removeAll(r.batch());
        queue.drainTo(behind);
        LOG.errorf("a batch of %d request(s) has run past the timeout of %s; it and %d request(s) behind it are answered failed",
                r.batch().size(), batchTimeout, behind.size());
        r.batch().forEach(p -> p.result().completeExceptionally(new Rejected(reason)));
        behind.forEach(p -> p.result().completeExceptionally(new Rejected(reason + ": waiting behind a batch past it")));
    }

    /**
     * Draws the batch: each request's adapters are resolved (one that cannot be is answered with the reason, the
     * others go on), then the requests on the same model and embeddings are drawn in one engine call, each with
     * its own LoRAs. When memory runs out (ONNX Runtime's allocation or the JVM's), the resident sessions are
     * closed to give their memory back and the requests not yet answered are drawn again in two halves - once:
     * what fails then is answered failed with the reason.
     */
    private void drawNow(List<Pending> batch, boolean halved) {
        try {
            long started = System.currentTimeMillis();
            List<Pending> drawable = new ArrayList<>();
            List<AdapterLibrary.Resolved> resolved = new ArrayList<>();
            for (Pending p : batch) {
                GenerationRequest r = p.request();
                try {
                    resolved.add(adapters.resolve(r.tenant(), r.baseModelId(), r.adapters()));
                    drawable.add(p);
                } catch (Rejected e) {
                    p.result().completeExceptionally(e);
                }
            }
            long loaded = System.currentTimeMillis();
            Map<List<Object>, List<Integer>> calls = new LinkedHashMap<>();
            for (int i = 0; i < drawable.size(); i++) {
                AdapterLibrary.Resolved r = resolved.get(i);
                calls.computeIfAbsent(List.of(r.model(), r.adapters().embeddings()), k -> new ArrayList<>()).add(i);
            }
            for (List<Integer> call : calls.values()) {
                long start = System.currentTimeMillis();
                List<GenerationParams> params = call.stream().map(i -> params(drawable.get(i).request())).toList();
                List<Adapters> perRequest = call.stream().map(i -> resolved.get(i).adapters()).toList();
                List<List<GeneratedImage>> images = resolved.get(call.get(0)).model().pipeline()
                        .generate(params, perRequest, null);
                long drawn = System.currentTimeMillis();
                batchSizes.record(call.size());
                LOG.infof("drew %d image(s) for %d request(s) in %d ms", images.stream().mapToInt(List::size).sum(),
                        call.size(), drawn - start);
                for (int j = 0; j < call.size(); j++) {
                    drawable.get(call.get(j)).result()
                            .complete(new Drawn(images.get(j), started, loaded - started, drawn - start));
                }
            }
        } catch (AllocationFailedException | OutOfMemoryError e) {
            models.closeSessions();
            List<Pending> left = batch.stream().filter(p -> !p.result().isDone()).toList();
            GenerationRequest first = left.get(0).request();
            int images = left.stream().mapToInt(p -> p.request().numImagesPerPrompt()).sum();
            if (!halved && left.size() > 1) {
                LOG.warnf("out of memory drawing %d request(s), %d image(s) at %dx%d: drawing them in two halves (%s)",
                        left.size(), images, first.width(), first.height(), e.getMessage());
                int half = (left.size() + 1) / 2;
                drawNow(left.subList(0, half), true);
                drawNow(left.subList(half, left.size()), true);
                return;
            }
            LOG.errorf(e, "out of memory drawing %d image(s) at %dx%d", images, first.width(), first.height());
            Rejected reason = new Rejected("out of memory drawing " + images + " image(s) at " + first.width() + "x"
                    + first.height() + (halved ? " (half of a batch that did not fit)" : "") + ": " + e.getMessage());
            left.forEach(p -> p.result().completeExceptionally(reason));
        } catch (RuntimeException | Error e) {
            // Every waiting consumer thread hears of it (none may hang), and the drawer goes on with the next batch.
            batch.forEach(p -> p.result().completeExceptionally(e));
        }
    }

    private static GenerationParams params(GenerationRequest r) {
        return new GenerationParams(r.prompt(), r.negativePrompt(), r.numInferenceSteps(), r.guidanceScale(), r.scheduler(),
                r.seed(), r.height(), r.width(), r.numImagesPerPrompt(), null);
    }
}
