package io.sdtune.deploy.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.deploy.BaseModel;
import io.sdtune.deploy.Platform;
import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.deploy.demo.SampleImages;
import io.sdtune.diffusion.cli.Flags;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The platform's own speed, as a user of its API sees it: one LoRA job, then images without an adapter and with
 * the job's LoRA, each request through the gateway, Kafka, the trainer or generator and the object store.
 * BENCHMARKS.md puts its figures beside the engine's command line ({@code sd benchmark}, Txt2ImgBenchmark) on the
 * same machine; {@code deploy/bench/platform.sh} runs it.
 *
 * <p>Training speed comes from the job's statuses as the API serves them (polled every 500 ms): the time from
 * submission to {@code started} (the request through Kafka to a trainer) and to the first {@code progress} (then
 * also the base model fetched, the programs built, one step). Seconds per step are the trainer's own, from the
 * statuses' {@code seconds_per_step} (its mean over the run so far): over the steps after the first progress seen,
 * {@code (N m_N - f m_f) / (N - f)} for that status's step {@code f} and the last one's {@code N}, so the first
 * step's warm-up is left out as the engine's benchmarks leave it, and no poll's timing enters (the mean over the
 * whole run where the first progress seen was the last step). A batch of generations is submitted at
 * once after a first request of its kind (not counted: it builds the size's sessions, loads the adapter); its images
 * per second span the first submission to the last image, and the generator's own timings (time in the engine, in
 * the queue) are the medians over its images.
 */
public final class PlatformBenchmark {
    private static final String TOKEN = "<cat-toy>";
    private static final String PROMPT = "A " + TOKEN + " backpack";
    private static final int DATASET_IMAGES = 5;

    /**
     * @param maxTrainSteps     the LoRA job's steps
     * @param mixedPrecision    the job's {@code mixed_precision}: {@code no} or {@code fp16}
     * @param resolution        training and image size (the base model's own)
     * @param numInferenceSteps denoising steps of each image
     * @param images            images per batch (at most the tenant's 20 waiting generations)
     * @param seed              of the dataset, the training and the first image (the others count up from it)
     * @param timeout           for the training and for each batch
     */
    public record Settings(int maxTrainSteps, String mixedPrecision, int resolution, int numInferenceSteps, int images,
            long seed, Duration timeout) {
    }

    /**
     * The LoRA job: its adapter; seconds from submission to success, to its {@code started} status (the request
     * through Kafka to a trainer) and to its first step; seconds per step after that. NaN where the status was not
     * seen (a trainer shows no step whose loss is not finite: a float16 overflow).
     */
    public record Training(String adapterId, int steps, double seconds, double secondsToStart,
            double secondsToFirstStep, double secondsPerStep) {
    }

    /** A batch of {@code images} generations of one kind, submitted together. */
    public record Batch(String adapters, int images, double seconds, double firstImageSeconds, long medianInferenceMs,
            long medianQueueMs) {
        public double imagesPerSecond() {
            return images / seconds;
        }
    }

    public record Report(Settings settings, Training training, List<Batch> batches) {
        /** The rows BENCHMARKS.md keeps. */
        public String markdown() {
            StringBuilder table = new StringBuilder();
            table.append(String.format(Locale.ROOT,
                    "LoRA job (rank 4, %d px, mixed_precision %s, %d steps): %.1f s in all, %.1f s to its start, %.1f s"
                            + " to its first step, %.3f s/step%n%n",
                    settings.resolution(), settings.mixedPrecision(), training.steps(), training.seconds(),
                    training.secondsToStart(), training.secondsToFirstStep(), training.secondsPerStep()));
            table.append("| images | adapters | images/s | first image, s | in the engine (median), ms"
                    + " | queued (median), ms |\n|---|---|---|---|---|---|\n");
            for (Batch b : batches) {
                table.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %.2f | %d | %d |%n", b.images(),
                        b.adapters(), b.imagesPerSecond(), b.firstImageSeconds(), b.medianInferenceMs(), b.medianQueueMs()));
            }
            return table.toString();
        }
    }

    private final GatewayClient gateway;
    private final Settings settings;
    private final PrintStream out;

    public PlatformBenchmark(GatewayClient gateway, Settings settings, PrintStream out) {
        this.gateway = gateway;
        this.settings = settings;
        this.out = out;
    }

    /** Trains the LoRA, then draws a batch without it and a batch with it. */
    public Report run() {
        String datasetId = gateway.createDataset(SampleImages.catToy(DATASET_IMAGES, settings.seed()));
        ObjectNode request = gateway.object().put("method", "LORA").put("dataset_id", datasetId)
                .put("instance_prompt", "a photo of " + TOKEN);
        request.putObject("hyper_parameters")
                .put("resolution", settings.resolution())
                .put("max_train_steps", settings.maxTrainSteps())
                .put("mixed_precision", settings.mixedPrecision())
                .put("seed", settings.seed());
        Training training = train(request);
        out.printf(Locale.ROOT, "LoRA job: %s%n", training);
        List<Batch> batches = new ArrayList<>();
        for (String adapter : new String[] {null, training.adapterId()}) {
            Batch batch = draw(adapter);
            out.printf(Locale.ROOT, "Generations: %s%n", batch);
            batches.add(batch);
        }
        return new Report(settings, training, batches);
    }

    /** When the job's status first showed it started and first showed a step, which, and the trainer's pace then. */
    private static final class Steps {
        private Long startedNanos;
        private long firstNanos;
        private int first = -1;
        private double firstSecondsPerStep;

        void started() {
            if (startedNanos == null) {
                startedNanos = System.nanoTime();
            }
        }

        void seen(JsonNode status) {
            if (first < 0) {
                firstNanos = System.nanoTime();
                first = status.get("step").asInt();
                firstSecondsPerStep = status.get("seconds_per_step").asDouble();
            }
        }

        /** Seconds a step after the first seen, from the trainer's means at it and at {@code last}'s step. */
        double secondsPerStep(JsonNode last) {
            int n = last.path("step").asInt(-1);
            double mean = last.path("seconds_per_step").asDouble(Double.NaN);
            if (first < 0 || n < first) {
                return Double.NaN;
            }
            return n == first ? mean : (n * mean - first * firstSecondsPerStep) / (n - first);
        }
    }

    private Training train(ObjectNode request) {
        long submitted = System.nanoTime();
        String jobId = gateway.startTraining(request);
        Steps steps = new Steps();
        JsonNode status = gateway.awaitTraining(jobId, settings.timeout(), s -> {
            switch (s.path("state").asText()) {
                case "started" -> steps.started();
                case "progress" -> steps.seen(s);
                default -> { }
            }
        });
        double seconds = seconds(submitted, System.nanoTime());
        if (!"succeeded".equals(status.get("state").asText())) {
            throw new IllegalStateException("the LoRA job " + jobId + " ended " + status.get("state").asText() + ": "
                    + status.path("reason").asText());
        }
        return new Training(status.get("adapter_id").asText(), settings.maxTrainSteps(), seconds,
                steps.startedNanos == null ? Double.NaN : seconds(submitted, steps.startedNanos),
                steps.first < 0 ? Double.NaN : seconds(submitted, steps.firstNanos), steps.secondsPerStep(status));
    }

    /** The first request alone, then {@code images} more submitted together; {@code adapterId} null for none. */
    private Batch draw(String adapterId) {
        long started = System.nanoTime();
        await(generate(adapterId, settings.seed()));
        double firstImage = seconds(started, System.nanoTime());

        long submitted = System.nanoTime();
        List<String> requests = new ArrayList<>();
        for (int i = 1; i <= settings.images(); i++) {
            requests.add(generate(adapterId, settings.seed() + i));
        }
        long[] inferenceMs = new long[requests.size()];
        long[] queueMs = new long[requests.size()];
        for (int i = 0; i < requests.size(); i++) {
            JsonNode timings = await(requests.get(i)).get("timings");
            inferenceMs[i] = timings.get("inference_ms").asLong();
            queueMs[i] = timings.get("queue_ms").asLong();
        }
        return new Batch(adapterId == null ? "none" : "its LoRA", requests.size(),
                seconds(submitted, System.nanoTime()), firstImage, median(inferenceMs), median(queueMs));
    }

    private String generate(String adapterId, long seed) {
        ObjectNode request = gateway.object()
                .put("prompt", PROMPT)
                .put("num_inference_steps", settings.numInferenceSteps())
                .put("seed", seed)
                .put("width", settings.resolution())
                .put("height", settings.resolution());
        if (adapterId != null) {
            request.putArray("adapters").addObject().put("adapter_id", adapterId).put("scale", 1.0);
        }
        return gateway.generate(request);
    }

    private JsonNode await(String requestId) {
        JsonNode status = gateway.awaitGeneration(requestId, settings.timeout());
        if (!"succeeded".equals(status.get("state").asText())) {
            throw new IllegalStateException("generation " + requestId + " failed: " + status.path("reason").asText());
        }
        return status;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }

    /** Starts the platform on the model and device given, runs the benchmark, prints its table, stops it. */
    public static void main(String[] args) throws Exception {
        Flags flags = new Flags("deploy/bench/platform.sh")
                .required("pretrained_model_name_or_path", "the diffusers model folder the platform serves")
                .option("device", "cpu", "where the trainer and generator run: cpu, cuda or cuda:N")
                .option("max_train_steps", "100", "the LoRA job's steps")
                .option("mixed_precision", "fp16", "the LoRA job's precision: no or fp16")
                .option("num_inference_steps", "50", "denoising steps of each image")
                .option("images", "8", "images per batch (at most 20)")
                .option("seed", "42", "of the dataset, the training and the images");
        if (!flags.parseUnlessHelp(Arrays.asList(args), System.out)) {
            return;
        }
        Path home = Path.of(System.getProperty("sdtune.home", ".")).toAbsolutePath();
        BaseModel model = BaseModel.of(Path.of(flags.string("pretrained_model_name_or_path")));
        Path dataDir = Files.createTempDirectory("sdtune-platform-benchmark");
        System.setProperty("sdtune.logs", dataDir.resolve("logs").toString());
        Settings settings = new Settings(flags.integer("max_train_steps"), flags.string("mixed_precision"),
                model.resolution(), flags.integer("num_inference_steps"), flags.integer("images"),
                Long.parseLong(flags.string("seed")), Duration.ofMinutes(30));
        try (Platform platform = Platform.start(new Platform.Options(home, dataDir, Platform.freePort(),
                flags.string("device"), model), System.out::println)) {
            GatewayClient gateway = new GatewayClient(platform.gateway(), platform.localApiKey().orElseThrow());
            Report report = new PlatformBenchmark(gateway, settings, System.out).run();
            System.out.println();
            System.out.print(report.markdown());
        }
    }
}
