package io.sdtune.contracts.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Rejections;
import io.sdtune.contracts.Samples;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GenerationRequestTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            prompt                | absent           | prompt is required
            prompt                | " "              | prompt must not be empty
            negative_prompt       | "\\u0000"        | negative_prompt contains the control character U+0000
            num_inference_steps   | 0                | num_inference_steps must be between 1 and 150, got 0
            num_inference_steps   | 151              | num_inference_steps must be between 1 and 150, got 151
            guidance_scale        | 31               | guidance_scale must be between 0 and 30, got 31
            guidance_scale        | -1               | guidance_scale must be between 0 and 30, got -1
            scheduler             | "lms"            | scheduler must be one of ddim, euler_a, dpmpp_2m, pndm, got 'lms'
            seed                  | absent           | seed is required
            seed                  | -1               | seed must be between 0 and 4294967295, got -1
            width                 | 500              | width must be a multiple of 64, got 500
            height                | 4096             | height must be between 64 and 2048, got 4096
            num_images_per_prompt | 9                | num_images_per_prompt must be between 1 and 8, got 9
            num_images_per_prompt | 0                | num_images_per_prompt must be between 1 and 8, got 0
            adapters[0].scale     | 2.5              | adapters[0].scale must be between -2 and 2, got 2.5
            adapters[0].adapter_id | absent          | adapters[0].adapter_id is required
            adapters              | [{"adapter_id": "a"}, {"adapter_id": "a"}] | adapters[1] repeats 'a'
            request_id            | "req/1"          | request_id must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, got 'req/1'
            base_model_id         | absent           | base_model_id is required
            """)
    void eachRuleRejectsABadValueInWords(String field, String value, String problem) {
        assertThat(Rejections.of(Samples.generationRequest(), field, value)).containsExactly(problem);
    }

    @Test
    void atMostEightAdaptersAtOnce() {
        String nine = "[" + String.join(",", IntStream.range(0, 9)
                .mapToObj(i -> "{\"adapter_id\": \"a" + i + "\"}").toList()) + "]";

        assertThat(Rejections.of(Samples.generationRequest(), "adapters", nine))
                .containsExactly("adapters must have between 0 and 8 entries, got 9");
    }

    @Test
    void whatIsLeftOutIsTheSeedsInferenceAtSd15sSize() {
        GenerationRequest bare = new GenerationRequest("req-1", "tenant-a", "sd15", "<cat-toy> on the beach", null,
                List.of(new AppliedAdapter("ti-1", null)), null, null, null, 42L, null, null, null);

        GenerationRequest filled = bare.withDefaults();

        assertThat(filled).isEqualTo(new GenerationRequest("req-1", "tenant-a", "sd15", "<cat-toy> on the beach", "",
                List.of(new AppliedAdapter("ti-1", 1.0)), 50, 7.5, "dpmpp_2m", 42L, 512, 512, 1));
        assertThat(Rejections.of(bare, "seed", "7")).as("a bare request is valid too").isEmpty();
        assertThat(new GenerationRequest("r", "tenant-a", "sd15", "p", null, null, null, null, null, 1L, null, null, null)
                .withDefaults().adapters()).isEmpty();
    }

    @Test
    void itIsKeyedByItsFirstAdapterElseItsBaseModel() {
        assertThat(Samples.generationRequest().key()).isEqualTo("lora-1");
        assertThat(new GenerationRequest("r", "tenant-a", "sd15", "p", null, List.of(), null, null, null, 1L, null, null, null).key())
                .isEqualTo("sd15");
    }
}
