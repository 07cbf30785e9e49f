package io.sdtune.contracts.generation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;
import java.util.List;

/**
 * Draw {@code num_images_per_prompt} images of {@code prompt} with a base model and adapters; the fields
 * are the arguments of diffusers' pipeline call. Image i is drawn from seed {@code seed + i}, so a replayed
 * request draws the same images: the seed is required (the gateway draws one when the user gives none).
 * The other fields may be left out: see {@link #withDefaults()}. {@code tenant} asks: only its own adapters
 * apply, and its images are stored under its prefix.
 */
@SchemaVersion(2) // 2 added tenant
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GenerationRequest(
        String requestId,
        String tenant,
        String baseModelId,
        String prompt,
        String negativePrompt,
        List<AppliedAdapter> adapters,
        Integer numInferenceSteps,
        Double guidanceScale,
        String scheduler,
        Long seed,
        Integer width,
        Integer height,
        Integer numImagesPerPrompt) implements Message {

    /** The samplers, by the names {@code bin/sd generate --scheduler} takes. */
    public static final List<String> SCHEDULERS = List.of("ddim", "euler_a", "dpmpp_2m", "pndm");

    /** The first adapter's id, else the base model's: requests for one adapter meet on one partition. */
    @Override
    public String key() {
        return adapters == null || adapters.isEmpty() || adapters.get(0) == null ? baseModelId
                : adapters.get(0).adapterId();
    }

    /**
     * This request with what it leaves out at the seed's inference settings (50 steps, guidance 7.5,
     * DPM-Solver++ 2M, as its {@code DPMSolverMultistepScheduler}) and SD 1.5's 512x512, one image, no
     * negative prompt, no adapter, adapters at scale 1.
     */
    public GenerationRequest withDefaults() {
        return new GenerationRequest(requestId, tenant, baseModelId, prompt, orElse(negativePrompt, ""),
                adapters == null ? List.of()
                        : adapters.stream().map(a -> a == null ? null : a.withDefaults()).toList(),
                orElse(numInferenceSteps, 50), orElse(guidanceScale, 7.5), orElse(scheduler, "dpmpp_2m"), seed,
                orElse(width, 512), orElse(height, 512), orElse(numImagesPerPrompt, 1));
    }

    private static <T> T orElse(T value, T fallback) {
        return value != null ? value : fallback;
    }

    @Override
    public void check(Problems p) {
        p.required("request_id", requestId, Syntax.ID);
        p.required("tenant", tenant, Syntax.ID);
        p.required("base_model_id", baseModelId, Syntax.ID);
        p.required("prompt", prompt);
        p.text("prompt", prompt, Limits.MAX_PROMPT_CHARS, false);
        p.text("negative_prompt", negativePrompt, Limits.MAX_PROMPT_CHARS, true);
        p.elements("adapters", adapters, Limits.ADAPTERS_PER_GENERATION, AppliedAdapter::adapterId);
        p.in("num_inference_steps", numInferenceSteps, Limits.NUM_INFERENCE_STEPS);
        p.in("guidance_scale", guidanceScale, Limits.GUIDANCE_SCALE);
        p.oneOf("scheduler", scheduler, SCHEDULERS);
        p.required("seed", seed, Limits.SEED);
        p.in("width", width, Limits.IMAGE_SIDE);
        p.multipleOf("width", width, Limits.IMAGE_SIDE_MULTIPLE);
        p.in("height", height, Limits.IMAGE_SIDE);
        p.multipleOf("height", height, Limits.IMAGE_SIDE_MULTIPLE);
        p.in("num_images_per_prompt", numImagesPerPrompt, Limits.NUM_IMAGES_PER_PROMPT);
    }
}
