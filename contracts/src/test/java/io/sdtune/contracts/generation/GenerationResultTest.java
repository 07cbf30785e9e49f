package io.sdtune.contracts.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Rejections;
import io.sdtune.contracts.Samples;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationResultTest {
    private static final GenerationResult.Succeeded DRAWN = new GenerationResult.Succeeded("req-1",
            List.of(Samples.stored("images/req-1/0.png")), new GenerationResult.Timings(12, 0, 2100, 45));

    @Test
    void aResultHoldsItsImagesAndTimings() {
        assertThat(Rejections.of(DRAWN, "images", "[]")).containsExactly("images must have between 1 and 8 entries, got 0");
        assertThat(Rejections.of(DRAWN, "timings", "absent")).containsExactly("timings is required");
        assertThat(Rejections.of(DRAWN, "timings.inference_ms", "-1")).containsExactly("timings.inference_ms must be >= 0, got -1");
        assertThat(Rejections.of(new GenerationResult.Failed("req-1", "unknown adapter"), "reason", "absent"))
                .containsExactly("reason is required");
    }

    @Test
    void itIsKeyedByItsRequest() {
        assertThat(DRAWN.key()).isEqualTo("req-1");
        assertThat(new GenerationResult.Failed("req-2", "x").key()).isEqualTo("req-2");
    }
}
