package io.sdtune.contracts.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Rejections;
import io.sdtune.contracts.Samples;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdapterAnnouncementTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            kind              | absent               | kind is required
            kind              | "CHECKPOINT"         | kind must be one of LORA, EMBEDDING, FULL_UNET, got "CHECKPOINT"
            base_model_id     | absent               | base_model_id is required
            files             | []                   | files must have between 1 and 1000 entries, got 0
            files[0].sha256   | absent               | files[0].sha256 is required
            trigger_tokens    | ["<cat-toy>", "<cat-toy>"] | trigger_tokens[1] repeats '<cat-toy>'
            trigger_tokens[0] | "cat toy"            | trigger_tokens[0] must be 1 to 64 letters, digits, punctuation or symbols, without spaces, got 'cat toy'
            job_id            | "Job 1"              | job_id must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, got 'Job 1'
            """)
    void eachRuleRejectsABadValueInWords(String field, String value, String problem) {
        assertThat(Rejections.of(Samples.adapter(), field, value)).containsExactly(problem);
    }

    @Test
    void anImportedAdapterHasNoJob() {
        assertThat(Rejections.of(Samples.adapter(), "job_id", "absent")).isEmpty();
    }

    @Test
    void anEmbeddingNamesItsPlaceholder() {
        AdapterAnnouncement embedding = new AdapterAnnouncement("ti-1", "tenant-a", null, AdapterKind.EMBEDDING, "sd15", "job-1",
                List.of(Samples.stored("adapters/ti-1/learned_embeds.safetensors")), List.of("<cat-toy>"));

        assertThat(Rejections.of(embedding, "trigger_tokens", "[]"))
                .containsExactly("trigger_tokens must name the placeholder token of an EMBEDDING adapter");
        assertThat(Rejections.of(Samples.adapter(), "trigger_tokens", "[]")).as("a LoRA may have none").isEmpty();
    }

    @Test
    void itIsKeyedByItsId() {
        assertThat(Samples.adapter().key()).isEqualTo("lora-1");
    }
}
