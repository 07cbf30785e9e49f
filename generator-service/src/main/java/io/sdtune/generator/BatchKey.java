package io.sdtune.generator;

import io.sdtune.contracts.generation.GenerationRequest;
import java.util.List;

/**
 * What requests must share to be drawn in one batch: the base model and the denoising settings. Prompts, negative
 * prompts, seeds, image counts, tenants and LoRAs may differ - each request gets the images it would get alone
 * ({@code Txt2Img.generate} of a batch, each sample with its own LoRA branch); the batcher splits a batch by what
 * its adapters resolve to (the base model or a DreamBooth one, and the embeddings, which the text encoder shares).
 * Euler a is the exception: its ancestral noise is drawn for the whole batch, so its requests batch only with
 * identical ones ({@code alone} holds the rest, adapters included).
 */
record BatchKey(String baseModelId, int steps, double guidance, String scheduler, int width, int height,
        List<Object> alone) {

    /** The key of a request that has its defaults filled in. */
    static BatchKey of(GenerationRequest r) {
        List<Object> alone = r.scheduler().equals("euler_a")
                ? List.of(r.prompt(), r.negativePrompt(), r.seed(), r.numImagesPerPrompt(), r.tenant(), r.adapters())
                : List.of();
        return new BatchKey(r.baseModelId(), r.numInferenceSteps(), r.guidanceScale(), r.scheduler(), r.width(),
                r.height(), alone);
    }
}
