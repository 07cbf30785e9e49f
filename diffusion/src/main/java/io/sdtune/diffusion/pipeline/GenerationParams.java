package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.TensorData;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What to generate, with the defaults of diffusers' {@code StableDiffusionPipeline} where it has them.
 * {@code latents}, when given, replaces the seeded initial noise (unit variance, {@code [n, 4, h/8, w/8]}),
 * as diffusers' {@code latents=} argument does.
 */
public record GenerationParams(
        String prompt,
        String negativePrompt,
        int numInferenceSteps,
        double guidanceScale,
        String scheduler,
        long seed,
        int height,
        int width,
        int numImages,
        TensorData latents) {

    /** The sampler names of AUTOMATIC1111, recorded in the images' parameters. */
    static final Map<String, String> SAMPLER_NAMES = Map.of("ddim", "DDIM", "euler_a", "Euler a", "dpmpp_2m", "DPM++ 2M",
            "pndm", "PLMS");

    public GenerationParams {
        if (prompt == null) {
            throw new IllegalArgumentException("a prompt is required");
        }
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be at least 1, got " + numInferenceSteps);
        }
        if (!(guidanceScale >= 0)) {
            throw new IllegalArgumentException("guidance_scale must be >= 0, got " + guidanceScale);
        }
        if (!SAMPLER_NAMES.containsKey(scheduler)) {
            throw new IllegalArgumentException("unknown scheduler '" + scheduler + "' (expected one of ddim, euler_a, dpmpp_2m, pndm)");
        }
        if (height < 8 || width < 8 || height % 8 != 0 || width % 8 != 0) {
            throw new IllegalArgumentException("height and width must be positive multiples of 8, got " + width + "x" + height);
        }
        if (numImages < 1) {
            throw new IllegalArgumentException("num_images_per_prompt must be at least 1, got " + numImages);
        }
    }

    /** A prompt with the pipeline's defaults: 50 steps, guidance 7.5, DPM++ 2M, 512x512, one image. */
    public static GenerationParams of(String prompt, long seed) {
        return new GenerationParams(prompt, "", 50, 7.5, "dpmpp_2m", seed, 512, 512, 1, null);
    }

    public GenerationParams withSize(int newWidth, int newHeight) {
        return new GenerationParams(prompt, negativePrompt, numInferenceSteps, guidanceScale, scheduler, seed, newHeight,
                newWidth, numImages, latents);
    }

    public GenerationParams withNumImages(int count) {
        return new GenerationParams(prompt, negativePrompt, numInferenceSteps, guidanceScale, scheduler, seed, height,
                width, count, latents);
    }

    public GenerationParams withGuidanceScale(double scale) {
        return new GenerationParams(prompt, negativePrompt, numInferenceSteps, scale, scheduler, seed, height, width,
                numImages, latents);
    }

    public GenerationParams withSteps(int steps, String newScheduler) {
        return new GenerationParams(prompt, negativePrompt, steps, guidanceScale, newScheduler, seed, height, width,
                numImages, latents);
    }

    /**
     * AUTOMATIC1111's "parameters" text for image {@code index} of the batch drawn with {@code adapters}: each LoRA
     * as {@code <lora:NAME:SCALE>} after the prompt, and {@code Lora hashes} and {@code TI hashes} (the embeddings
     * the prompts use, read from files) for the web UI to find them.
     */
    String infotext(int index, String modelName, Adapters adapters) {
        LoraStack loras = adapters.loras();
        StringBuilder b = new StringBuilder(prompt);
        for (LoraStack.Applied a : loras.adapters()) {
            b.append(" <lora:").append(a.name()).append(':').append(decimal(a.scale())).append('>');
        }
        if (!negativePrompt.isEmpty()) {
            b.append("\nNegative prompt: ").append(negativePrompt);
        }
        b.append("\nSteps: ").append(numInferenceSteps)
                .append(", Sampler: ").append(SAMPLER_NAMES.get(scheduler))
                .append(", CFG scale: ").append(guidanceScale)
                .append(", Seed: ").append(latents == null ? seed + index : seed)
                .append(", Size: ").append(width).append('x').append(height)
                .append(", Model: ").append(modelName);
        if (!loras.isEmpty()) {
            // Quoted, as the web UI quotes a value holding ':' or ',' (JSON string).
            b.append(", Lora hashes: \"").append(loras.adapters().stream()
                    .map(a -> a.name() + ": " + a.lora().webUiHash()).distinct()
                    .collect(Collectors.joining(", "))).append('"');
        }
        String used = (prompt + " " + negativePrompt).toLowerCase(Locale.ROOT);
        String embeddings = adapters.embeddings().stream()
                .filter(e -> e.webUiHash() != null && used.contains(e.token().toLowerCase(Locale.ROOT)))
                .map(e -> e.token().replace(":", "").replace(",", "") + ": " + e.webUiHash()).distinct()
                .collect(Collectors.joining(", "));
        if (!embeddings.isEmpty()) {
            b.append(", TI hashes: \"").append(embeddings).append('"');
        }
        return b.toString();
    }

    private static String decimal(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
