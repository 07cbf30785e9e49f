package io.sdtune.contracts.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Rejections;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

    @Test
    void aTextRecordIsKeptAsTextForPeopleToRead() {
        byte[] original = "{\"schema_version\": 9}".getBytes(StandardCharsets.UTF_8);

        DeadLetter letter = DeadLetter.of(Topics.TRAINING_REQUESTS, 0, 17L, "job-1", original, "unknown schema_version 9");

        assertThat(letter.value()).isEqualTo("{\"schema_version\": 9}");
        assertThat(letter.valueBase64()).isNull();
        assertThat(letter.originalValue()).isEqualTo(original);
        assertThat(letter.key()).as("keyed as the original").isEqualTo("job-1");
    }

    @Test
    void aBinaryRecordIsKeptWholeInBase64() {
        byte[] original = {(byte) 0xff, 0, (byte) 0xc3, 0x28};

        DeadLetter letter = DeadLetter.of(Topics.GENERATION_REQUESTS, null, null, null, original, "not valid JSON");

        assertThat(letter.value()).isNull();
        assertThat(letter.valueBase64()).isEqualTo("/wDDKA==");
        assertThat(JsonCodec.decode(JsonCodec.encode(letter), DeadLetter.class).originalValue()).isEqualTo(original);
    }

    @Test
    void aRecordWithoutValueHasNeither() {
        DeadLetter tombstone = DeadLetter.of(Topics.ADAPTERS, 1, 2L, "a", null, "a null value is not a message");

        assertThat(tombstone.originalValue()).isNull();
        tombstone.validate();
    }

    @Test
    void itSaysWhereItCameFromAndWhy() {
        DeadLetter letter = DeadLetter.of(Topics.TRAINING_REQUESTS, 0, 17L, "job-1", new byte[] {(byte) 0xff}, "why");

        assertThat(Rejections.of(letter, "reason", "absent")).containsExactly("reason is required");
        assertThat(Rejections.of(letter, "topic", "\"a topic\"")).containsExactly(
                "topic must be 1 to 249 letters, digits, '.', '_' or '-', got 'a topic'");
        assertThat(Rejections.of(letter, "offset", "-1")).containsExactly("offset must be >= 0, got -1");
        assertThat(Rejections.of(letter, "value_base64", "\"***\"")).singleElement().asString()
                .startsWith("value_base64 must be standard base64: ");
        assertThat(Rejections.of(letter, "value", "\"{}\"")).containsExactly("value_base64 must be left out when value is given");
    }
}
