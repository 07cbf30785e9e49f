package io.sdtune.gateway.generation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code pending} until the generator's result: {@code succeeded} with the images' URLs, or {@code failed} with
 * the reason. {@code prompt} is the request's (absent while its request has not been read); {@code updated} is
 * when it was submitted here, then the result's record timestamp. {@code tenant}, which owns it, is known from the
 * request and not shown: only that tenant is answered.
 */
public record GenerationStatus(String requestId, String state, String prompt, List<String> images,
        GenerationResult.Timings timings, String reason, Instant updated, @JsonIgnore String tenant) {

    static final String PENDING = "pending";

    static GenerationStatus pending(String requestId, Instant submitted) {
        return new GenerationStatus(requestId, PENDING, null, null, null, null, submitted, null);
    }

    static GenerationStatus of(GenerationResult result, Instant at) {
        if (result instanceof GenerationResult.Succeeded s) {
            List<String> urls = IntStream.range(0, s.images().size())
                    .mapToObj(n -> ImageResource.url(s.requestId(), n))
                    .toList();
            return new GenerationStatus(s.requestId(), "succeeded", null, urls, s.timings(), null, at, null);
        }
        return new GenerationStatus(result.requestId(), "failed", null, null, null,
                ((GenerationResult.Failed) result).reason(), at, null);
    }

    /** With what its request says: the prompt and the tenant that owns it. */
    GenerationStatus withRequest(GenerationRequest request) {
        return new GenerationStatus(requestId, state, request.prompt(), images, timings, reason, updated, request.tenant());
    }

    /** This status with the request's details that {@code earlier} had (a result came after its request). */
    GenerationStatus after(GenerationStatus earlier) {
        return earlier == null ? this
                : new GenerationStatus(requestId, state, earlier.prompt(), images, timings, reason, updated, earlier.tenant());
    }

    boolean ownedBy(String caller) {
        return caller.equals(tenant);
    }
}
