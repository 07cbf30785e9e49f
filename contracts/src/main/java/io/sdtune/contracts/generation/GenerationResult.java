package io.sdtune.contracts.generation;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.validation.Checked;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Range;
import io.sdtune.contracts.validation.Syntax;
import java.util.List;

/** How a {@link GenerationRequest} ended, {@code type} {@code succeeded} or {@code failed} on the wire. */
@SchemaVersion(1)
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = GenerationResult.Succeeded.class, name = "succeeded"),
        @JsonSubTypes.Type(value = GenerationResult.Failed.class, name = "failed")})
public sealed interface GenerationResult extends Message {

    String requestId();

    @Override
    default String key() {
        return requestId();
    }

    /** The PNGs, in seed order ({@code images/<requestId>/<n>.png}), and where the time went. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Succeeded(String requestId, List<StoredObject> images, Timings timings) implements GenerationResult {
        @Override
        public void check(Problems p) {
            p.required("request_id", requestId, Syntax.ID);
            p.required("images", images);
            p.elements("images", images, Limits.NUM_IMAGES_PER_PROMPT, StoredObject::key);
            if (p.required("timings", timings)) {
                timings.check(p.at("timings"));
            }
        }
    }

    /** Nothing was drawn; {@code reason} says why, in words for the user (an unknown adapter, a model that failed to load). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Failed(String requestId, String reason) implements GenerationResult {
        public Failed {
            reason = Limits.cutReason(reason);
        }

        @Override
        public void check(Problems p) {
            p.required("request_id", requestId, Syntax.ID);
            p.required("reason", reason);
            p.text("reason", reason, Limits.MAX_REASON_CHARS, false);
        }
    }

    /**
     * Milliseconds spent waiting for a generator (from the request's record timestamp), loading adapters
     * (0 when all were warm), drawing (text encoding, denoising, decoding) and uploading.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Timings(long queueMs, long adapterLoadMs, long inferenceMs, long uploadMs) implements Checked {
        @Override
        public void check(Problems p) {
            p.in("queue_ms", queueMs, Range.atLeast(0));
            p.in("adapter_load_ms", adapterLoadMs, Range.atLeast(0));
            p.in("inference_ms", inferenceMs, Range.atLeast(0));
            p.in("upload_ms", uploadMs, Range.atLeast(0));
        }
    }
}
