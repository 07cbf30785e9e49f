package io.sdtune.generator;

import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.contracts.generation.GenerationRequest;
import java.util.List;

/**
 * What requests must share to be drawn by one engine call: the tenant (whose adapters they are), the base model,
 * the adapters and the denoising settings. Prompts, negative prompts, seeds and image counts may differ - each request gets the images it
 * would get alone ({@code Txt2Img.generate} of a batch). Euler a is the exception: its ancestral noise is
 * drawn for the whole batch, so its requests batch only with identical ones ({@code alone} holds the rest).
 */
record BatchKey(String tenant, String baseModelId, List<AppliedAdapter> adapters, int steps, double guidance, String scheduler,
        int width, int height, List<Object> alone) {

    /** The key of a request that has its defaults filled in. */
    static BatchKey of(GenerationRequest r) {
        List<Object> alone = r.scheduler().equals("euler_a")
                ? List.of(r.prompt(), r.negativePrompt(), r.seed(), r.numImagesPerPrompt())
                : List.of();
        return new BatchKey(r.tenant(), r.baseModelId(), r.adapters(), r.numInferenceSteps(), r.guidanceScale(), r.scheduler(),
                r.width(), r.height(), alone);
    }
}
