package io.sdtune.generator;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Collects requests for a short window and draws those with the same {@link BatchKey} in one engine call, up
 * to {@code sdtune.generator.max-batch} images per call (a request with more is drawn alone). One thread
 * draws, so the resident pipelines and the adapter library are never used concurrently (one GPU per
 * instance). {@code sdtune.generator.batches} (a distribution of batch sizes, in requests) shows the batching
 * at {@code /q/metrics}.
 */
@ApplicationScoped
public class Batcher {
    private static final Logger LOG = Logger.getLogger(Batcher.class);

    /** A request's images and the milliseconds its batch spent loading adapters and drawing. */
    public record Drawn(List<GeneratedImage> images, long startedAtMs, long adapterLoadMs, long inferenceMs) {
    }

    private record Pending(GenerationRequest request, CompletableFuture<Drawn> result) {
    }

    @Inject
    AdapterLibrary adapters;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "sdtune.generator.batch-window", defaultValue = "PT0.05S")
    Duration window;

    @ConfigProperty(name = "sdtune.generator.max-batch", defaultValue = "4")
    int maxImages;

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private DistributionSummary batchSizes;
    private Thread drawer;

    @PostConstruct
    void start() {
        batchSizes = DistributionSummary.builder("sdtune.generator.batches").baseUnit("requests")
                .description("requests drawn per engine call").register(registry);
        drawer = new Thread(this::drawForever, "generator-batcher");
        drawer.setDaemon(true);
        drawer.start();
    }

    @PreDestroy
    void stop() {
        drawer.interrupt();
    }

    /** Queues a request (defaults filled in); completes with its images, or exceptionally ({@link Rejected}). */
    public CompletableFuture<Drawn> submit(GenerationRequest request) {
        Pending p = new Pending(request, new CompletableFuture<>());
        queue.add(p);
        return p.result();
    }

    private void drawForever() {
        try {
            while (true) {
                List<Pending> collected = collect();
                Map<BatchKey, List<Pending>> batches = new LinkedHashMap<>();
                collected.forEach(p -> batches.computeIfAbsent(BatchKey.of(p.request()), k -> new ArrayList<>()).add(p));
                batches.values().stream().flatMap(same -> bounded(same).stream()).forEach(this::draw);
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

    private void draw(List<Pending> batch) {
        try {
            long started = System.currentTimeMillis();
            GenerationRequest first = batch.get(0).request();
            AdapterLibrary.Resolved resolved = adapters.resolve(first.baseModelId(), first.adapters());
            long loaded = System.currentTimeMillis();
            List<GenerationParams> params = batch.stream().map(p -> params(p.request())).toList();
            List<List<GeneratedImage>> images = resolved.model().pipeline().generate(params, resolved.adapters(), null);
            long drawn = System.currentTimeMillis();
            batchSizes.record(batch.size());
            LOG.infof("drew %d image(s) for %d request(s) in %d ms", images.stream().mapToInt(List::size).sum(),
                    batch.size(), drawn - loaded);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(new Drawn(images.get(i), started, loaded - started, drawn - loaded));
            }
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
