package io.sdtune.gateway.generation;

import io.sdtune.contracts.generation.GenerationResult;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code pending} until the generator's result: {@code succeeded} with the images' URLs, or {@code failed} with
 * the reason. {@code prompt} is the request's (absent while its request has not been read); {@code updated} is
 * when it was submitted here, then the result's record timestamp.
 */
public record GenerationStatus(String requestId, String state, String prompt, List<String> images,
        GenerationResult.Timings timings, String reason, Instant updated) {

    static final String PENDING = "pending";

    static GenerationStatus pending(String requestId, Instant submitted) {
        return new GenerationStatus(requestId, PENDING, null, null, null, null, submitted);
    }

    static GenerationStatus of(GenerationResult result, Instant at) {
        if (result instanceof GenerationResult.Succeeded s) {
            List<String> urls = IntStream.range(0, s.images().size())
                    .mapToObj(n -> ImageResource.url(s.requestId(), n))
                    .toList();
            return new GenerationStatus(s.requestId(), "succeeded", null, urls, s.timings(), null, at);
        }
        return new GenerationStatus(result.requestId(), "failed", null, null, null,
                ((GenerationResult.Failed) result).reason(), at);
    }

    GenerationStatus withPrompt(String prompt) {
        return new GenerationStatus(requestId, state, prompt, images, timings, reason, updated);
    }
}
