package io.sdtune.gateway.generation;

import io.sdtune.contracts.generation.GenerationResult;
import java.util.List;
import java.util.stream.IntStream;

/** {@code pending} until the generator's result: {@code succeeded} with the images' URLs, or {@code failed} with the reason. */
public record GenerationStatus(String requestId, String state, List<String> images, GenerationResult.Timings timings,
        String reason) {

    static GenerationStatus pending(String requestId) {
        return new GenerationStatus(requestId, "pending", null, null, null);
    }

    static GenerationStatus of(GenerationResult result) {
        if (result instanceof GenerationResult.Succeeded s) {
            List<String> urls = IntStream.range(0, s.images().size())
                    .mapToObj(n -> ImageResource.url(s.requestId(), n))
                    .toList();
            return new GenerationStatus(s.requestId(), "succeeded", urls, s.timings(), null);
        }
        return new GenerationStatus(result.requestId(), "failed", null, null, ((GenerationResult.Failed) result).reason());
    }
}
