package io.sdtune.deploy.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The seed article's experiment through the gateway, as its user would run it: one dataset of cat-toy images,
 * Textual Inversion, DreamBooth and LoRA trained on it with the article's settings (the methods' seed
 * defaults: 400 steps, learning rates 5e-4, 1e-6, 5e-4, ...), then "A &lt;cat-toy&gt; backpack" and
 * "&lt;cat-toy&gt; on the beach" drawn with each result. {@link Settings} scales it to the base model at hand.
 */
public final class SeedExperiment {
    public static final List<String> PROMPTS = List.of("A <cat-toy> backpack", "<cat-toy> on the beach");
    private static final String TOKEN = "<cat-toy>";
    private static final int SAMPLE_IMAGES = 6;

    /**
     * @param maxTrainSteps     each method's {@code max_train_steps} (the article: 400)
     * @param resolution        training and image size, the base model's own (SD 1.5: 512)
     * @param numInferenceSteps denoising steps per image (the article: 50)
     * @param seed              of the sample images, the trainings and the drawings
     * @param timeout           for each training and each generation
     */
    public record Settings(int maxTrainSteps, int resolution, int numInferenceSteps, long seed, Duration timeout) {
    }

    /** One method's run: its job, last status, adapter, and each prompt's image URLs. */
    public record Outcome(String method, String jobId, JsonNode training, String adapterId,
            Map<String, List<String>> images) {
    }

    private final GatewayClient gateway;
    private final Settings settings;
    private final PrintStream out;

    public SeedExperiment(GatewayClient gateway, Settings settings, PrintStream out) {
        this.gateway = gateway;
        this.settings = settings;
        this.out = out;
    }

    /** Uploads, trains the three methods (queued together), then draws both prompts with each adapter. */
    public List<Outcome> run() {
        String datasetId = gateway.createDataset(SampleImages.catToy(SAMPLE_IMAGES, settings.seed()));
        out.printf("Dataset %s: %d cat-toy images%n", datasetId, SAMPLE_IMAGES);
        Map<String, String> jobs = new LinkedHashMap<>();
        jobs.put("TEXTUAL_INVERSION", gateway.startTraining(
                training("TEXTUAL_INVERSION", datasetId).put("placeholder_token", TOKEN).put("initializer_token", "toy")));
        jobs.put("DREAMBOOTH", gateway.startTraining(
                training("DREAMBOOTH", datasetId).put("instance_prompt", "a photo of " + TOKEN)));
        jobs.put("LORA", gateway.startTraining(training("LORA", datasetId).put("instance_prompt", "a photo of " + TOKEN)));

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
        for (String prompt : PROMPTS) {
            ObjectNode request = gateway.object()
                    .put("prompt", prompt)
                    .put("num_inference_steps", settings.numInferenceSteps())
                    .put("seed", settings.seed())
                    .put("width", settings.resolution())
                    .put("height", settings.resolution());
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

    private ObjectNode training(String method, String datasetId) {
        ObjectNode request = gateway.object().put("method", method).put("dataset_id", datasetId);
        request.putObject("hyper_parameters")
                .put("resolution", settings.resolution())
                .put("max_train_steps", settings.maxTrainSteps())
                .put("seed", settings.seed());
        return request;
    }
}
