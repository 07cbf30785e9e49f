package io.sdtune.deploy.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.training.SeedDefaults;
import io.sdtune.contracts.training.TrainingMethod;
import io.sdtune.deploy.demo.GatewayClient.NamedImage;
import io.sdtune.diffusion.benchmark.QualityBenchmark;
import io.sdtune.diffusion.training.Pretraining;
import io.sdtune.diffusion.world.Concept;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The seed article's experiment through the gateway, as its user would run it: one dataset of cat-toy images,
 * Textual Inversion, DreamBooth and LoRA trained on it with the article's settings (the methods' seed
 * defaults: 400 steps, learning rates 5e-4, 1e-6, 5e-4, ...), then prompts placing the toy drawn with each result.
 * {@link Plan} says which images and prompts, for the base model at hand; {@link Settings} scales the run to it.
 */
public final class SeedExperiment {
    private static final String TOKEN = "<cat-toy>";

    /**
     * @param maxTrainSteps     each method's {@code max_train_steps} (the article: 400)
     * @param resolution        training and image size, the base model's own (SD 1.5: 512)
     * @param numInferenceSteps denoising steps per image (the article: 50)
     * @param seed              of the sample images, the trainings and the drawings
     * @param timeout           for each training and each generation
     */
    public record Settings(int maxTrainSteps, int resolution, int numInferenceSteps, long seed, Duration timeout) {
    }

    /**
     * What the experiment teaches and asks for: the dataset's files (images, and captions where it has them), the
     * token Textual Inversion starts from, the instance prompt of DreamBooth and LoRA, the factor on a method's seed
     * learning rate by its name ({@code dreambooth}; none: the seed's rate), the prompts drawn with each adapter and
     * the guidance they are drawn with (null: the generator's default).
     */
    public record Plan(String dataset, List<NamedImage> files, String initializerToken, String instancePrompt,
            Map<String, Double> learningRateScales, List<String> prompts, Double guidanceScale) {

        /** The article's: six photos of the plush toy, the token from {@code toy}, its two prompts. */
        public static Plan article(long seed) {
            return new Plan("6 cat-toy images", SampleImages.catToy(6, seed), "toy", "a photo of " + TOKEN, Map.of(),
                    List.of("A <cat-toy> backpack", "<cat-toy> on the beach"), null);
        }

        /**
         * On the world of shapes' model: the concept {@code <cat-toy>} (an orange cat's head with a black muzzle,
         * {@link Concept}) from its five captioned images, the settings and prompts of {@code sd benchmark --quality}
         * ({@link QualityBenchmark}: the token from {@code circle}, the learning rates scaled to the world's, the
         * evaluation's guidance).
         */
        public static Plan worldOfShapes(int side, long seed) {
            Path dir = null;
            try {
                dir = Files.createTempDirectory("cat-toy-concept");
                int images = Concept.writeDataset(dir, 5, side, seed).size();
                List<NamedImage> files = new ArrayList<>();
                try (Stream<Path> written = Files.list(dir)) {
                    for (Path file : written.sorted().toList()) {
                        files.add(new NamedImage(file.getFileName().toString(), Files.readAllBytes(file)));
                    }
                }
                return new Plan(images + " captioned images of the concept " + Concept.TOKEN, files, "circle",
                        Concept.INSTANCE_PROMPT, QualityBenchmark.LEARNING_RATE_SCALES, QualityBenchmark.PROMPTS,
                        Pretraining.EVALUATION_GUIDANCE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the concept's images: " + e.getMessage(), e);
            } finally {
                deleteQuietly(dir);
            }
        }
    }

    /** One method's run: its job, last status, adapter, and each prompt's image URLs. */
    public record Outcome(String method, String jobId, JsonNode training, String adapterId,
            Map<String, List<String>> images) {
    }

    private final GatewayClient gateway;
    private final Settings settings;
    private final Plan plan;
    private final PrintStream out;

    public SeedExperiment(GatewayClient gateway, Settings settings, Plan plan, PrintStream out) {
        this.gateway = gateway;
        this.settings = settings;
        this.plan = plan;
        this.out = out;
    }

    /** Uploads, trains the three methods (queued together), then draws the plan's prompts with each adapter. */
    public List<Outcome> run() {
        String datasetId = gateway.createDataset(plan.files());
        out.printf("Dataset %s: %s%n", datasetId, plan.dataset());
        Map<String, String> jobs = new LinkedHashMap<>();
        jobs.put("TEXTUAL_INVERSION", gateway.startTraining(training(TrainingMethod.TEXTUAL_INVERSION, datasetId)
                .put("placeholder_token", TOKEN).put("initializer_token", plan.initializerToken())));
        jobs.put("DREAMBOOTH", gateway.startTraining(
                training(TrainingMethod.DREAMBOOTH, datasetId).put("instance_prompt", plan.instancePrompt())));
        jobs.put("LORA", gateway.startTraining(
                training(TrainingMethod.LORA, datasetId).put("instance_prompt", plan.instancePrompt())));

        List<Outcome> outcomes = new ArrayList<>();
        jobs.forEach((method, jobId) -> outcomes.add(trainAndDraw(method, jobId)));
        return outcomes;
    }

    private Outcome trainAndDraw(String method, String jobId) {
        out.printf("%s: job %s%n", method, jobId);
        JsonNode status = gateway.awaitTraining(jobId, settings.timeout(), s -> {
            if (s.hasNonNull("step")) {
                out.printf(Locale.ROOT, "  %s step %d/%d loss %.4f%n", s.get("state").asText(), s.get("step").asInt(),
                        s.get("total_steps").asInt(), s.get("loss").asDouble());
            } else {
                out.printf("  %s%n", s.get("state").asText());
            }
        });
        if (!"succeeded".equals(status.get("state").asText())) {
            throw new IllegalStateException(method + " training " + jobId + " ended " + status.get("state").asText()
                    + ": " + status.path("reason").asText());
        }
        String adapterId = status.get("adapter_id").asText();
        Map<String, List<String>> images = new LinkedHashMap<>();
        for (String prompt : plan.prompts()) {
            ObjectNode request = gateway.object()
                    .put("prompt", prompt)
                    .put("num_inference_steps", settings.numInferenceSteps())
                    .put("seed", settings.seed())
                    .put("width", settings.resolution())
                    .put("height", settings.resolution());
            if (plan.guidanceScale() != null) {
                request.put("guidance_scale", plan.guidanceScale());
            }
            request.putArray("adapters").addObject().put("adapter_id", adapterId).put("scale", 1.0);
            String requestId = gateway.generate(request);
            JsonNode result = gateway.awaitGeneration(requestId, settings.timeout());
            if (!"succeeded".equals(result.get("state").asText())) {
                throw new IllegalStateException("\"" + prompt + "\" with " + adapterId + " failed: "
                        + result.path("reason").asText());
            }
            List<String> urls = new ArrayList<>();
            result.get("images").forEach(url -> urls.add(url.asText()));
            images.put(prompt, urls);
            out.printf("  \"%s\": %s%n", prompt,
                    String.join(" ", urls.stream().map(u -> gateway.resolve(u).toString()).toList()));
        }
        return new Outcome(method, jobId, status, adapterId, images);
    }

    private ObjectNode training(TrainingMethod method, String datasetId) {
        ObjectNode request = gateway.object().put("method", method.name()).put("dataset_id", datasetId);
        ObjectNode hyperParameters = request.putObject("hyper_parameters")
                .put("resolution", settings.resolution())
                .put("max_train_steps", settings.maxTrainSteps())
                .put("seed", settings.seed());
        Double scale = plan.learningRateScales().get(method.name().toLowerCase(Locale.ROOT));
        if (scale != null) {
            hyperParameters.put("learning_rate", SeedDefaults.of(method).learningRate() * scale);
        }
        return request;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
