package io.sdtune.contracts.deadletter;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Range;
import io.sdtune.contracts.validation.Syntax;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A record a consumer could not accept, kept whole with the reason, on its topic's dead-letter topic
 * ({@code Topics.deadLetterOf}) under its original key. Where it came from: {@code topic}, and
 * {@code partition} and {@code offset} when known. Its value is {@code value} when it is UTF-8 text (as
 * every JSON message is), else {@code value_base64}; neither for a record without a value.
 */
@SchemaVersion(1)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeadLetter(
        String topic,
        Integer partition,
        Long offset,
        String key,
        String value,
        String valueBase64,
        String reason) implements Message {

    public DeadLetter {
        reason = Limits.cutReason(reason);
    }

    /** The dead letter of a record whose value is {@code value} (may be null), kept as text when it is UTF-8. */
    public static DeadLetter of(String topic, Integer partition, Long offset, String key, byte[] value, String reason) {
        if (value == null) {
            return new DeadLetter(topic, partition, offset, key, null, null, reason);
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(value)).toString();
            return new DeadLetter(topic, partition, offset, key, text, null, reason);
        } catch (CharacterCodingException notText) {
            return new DeadLetter(topic, partition, offset, key, null, Base64.getEncoder().encodeToString(value), reason);
        }
    }

    /** The original value's bytes, to replay the record once its consumer is fixed; null if it had none. */
    public byte[] originalValue() {
        if (value != null) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
        return valueBase64 == null ? null : Base64.getDecoder().decode(valueBase64);
    }

    @Override
    public void check(Problems p) {
        p.required("topic", topic, Syntax.TOPIC);
        p.in("partition", partition, Range.atLeast(0));
        p.in("offset", offset, Range.atLeast(0));
        if (value != null && valueBase64 != null) {
            p.add("value_base64", "must be left out when value is given");
        }
        if (valueBase64 != null) {
            try {
                Base64.getDecoder().decode(valueBase64);
            } catch (IllegalArgumentException e) {
                p.add("value_base64", "must be standard base64: " + e.getMessage());
            }
        }
        p.required("reason", reason);
        p.text("reason", reason, Limits.MAX_REASON_CHARS, false);
    }
}
