package io.sdtune.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.contracts.generation.GenerationRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchKeyTest {
    private static final List<AppliedAdapter> LORA = List.of(new AppliedAdapter("lora-a", 0.8));

    private static GenerationRequest request(String prompt, long seed, int count, String scheduler) {
        return request("t1", LORA, prompt, seed, count, scheduler);
    }

    private static GenerationRequest request(String tenant, List<AppliedAdapter> adapters, String prompt, long seed,
            int count, String scheduler) {
        return new GenerationRequest("r", tenant, "sd", prompt, "blurry", adapters, 30, 7.5, scheduler, seed, 512, 512,
                count);
    }

    @Test
    void requestsBatchOnTheirSettingsWhateverTheirPromptsSeedsAndCounts() {
        assertThat(BatchKey.of(request("a cat", 1, 1, "dpmpp_2m")))
                .isEqualTo(BatchKey.of(request("a red bicycle", 7, 4, "dpmpp_2m")))
                .isNotEqualTo(BatchKey.of(request("a cat", 1, 1, "ddim")));
    }

    @Test
    void requestsOfOtherTenantsWithOtherAdaptersBatchTogether() {
        assertThat(BatchKey.of(request("t1", LORA, "a cat", 1, 1, "dpmpp_2m")))
                .isEqualTo(BatchKey.of(request("t2", List.of(new AppliedAdapter("lora-b", 1.0)), "a cat", 1, 1, "dpmpp_2m")))
                .isEqualTo(BatchKey.of(request("t3", List.of(), "a dog", 2, 1, "dpmpp_2m")));
    }

    @Test
    void eulerAncestralRequestsBatchOnlyWithIdenticalOnes() {
        assertThat(BatchKey.of(request("a cat", 1, 1, "euler_a"))).isEqualTo(BatchKey.of(request("a cat", 1, 1, "euler_a")))
                .isNotEqualTo(BatchKey.of(request("a cat", 2, 1, "euler_a")))
                .isNotEqualTo(BatchKey.of(request("a dog", 1, 1, "euler_a")))
                .isNotEqualTo(BatchKey.of(request("t1", List.of(), "a cat", 1, 1, "euler_a")));
    }
}
