package io.sdtune.generator;

import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.contracts.generation.GenerationRequest;
import java.util.List;

/**
 * What requests must share to be drawn by one engine call. The engine's {@code Txt2Img} takes one prompt and
 * one seed per call and draws image i from seed + i, so requests batch when they share everything but their
 * id and image count: the call draws the largest count and each request takes its first images, which are
 * exactly the images it would get alone. Euler a is the exception: its ancestral noise is drawn for the whole
 * batch, so the count is part of its key.
 */
record BatchKey(String baseModelId, String prompt, String negativePrompt, List<AppliedAdapter> adapters, int steps,
        double guidance, String scheduler, long seed, int width, int height, int count) {

    /** The key of a request that has its defaults filled in. */
    static BatchKey of(GenerationRequest r) {
        return new BatchKey(r.baseModelId(), r.prompt(), r.negativePrompt(), r.adapters(), r.numInferenceSteps(),
                r.guidanceScale(), r.scheduler(), r.seed(), r.width(), r.height(),
                r.scheduler().equals("euler_a") ? r.numImagesPerPrompt() : 0);
    }
}
