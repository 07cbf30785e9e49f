package io.sdtune.messaging;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.json.JsonCodec;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The contracts' messages as Kafka records, read and written one way by every service: values are the
 * contracts' JSON as strings, keys the messages' own ({@link io.sdtune.contracts.Message#key()}), and a record
 * that cannot be read goes to its topic's dead-letter topic as a {@link DeadLetter}, keyed as it came.
 * Outgoing records are SmallRye messages that name their topic and key, so one emitter can write to any topic.
 */
public final class Records {
    private Records() {
    }

    /** The record's value as a message of the contracts; a missing value is one more reason it is invalid. */
    public static <T extends io.sdtune.contracts.Message> T decode(ConsumerRecord<String, String> record, Class<T> type) {
        if (record.value() == null) {
            throw new InvalidMessageException(type.getSimpleName(), List.of("the record has no value"));
        }
        return JsonCodec.decode(record.value().getBytes(StandardCharsets.UTF_8), type);
    }

    /** {@code message} for the emitter's own topic, keyed by the message. */
    public static Message<String> keyed(io.sdtune.contracts.Message message) {
        return to(null, message.key(), json(message), null);
    }

    /** {@code message} for {@code topic}, keyed by the message. */
    public static Message<String> to(String topic, io.sdtune.contracts.Message message) {
        return to(topic, message.key(), json(message), null);
    }

    /** A tombstone for {@code topic}, a compacted one: a record of {@code key} without a value, which removes the key. */
    public static Message<String> tombstone(String topic, String key) {
        return to(topic, key, null, null);
    }

    /** The record that could not be read, with {@code reason}, for its topic's dead-letter topic, keyed as it was. */
    public static Message<String> deadLetter(ConsumerRecord<String, String> refused, String reason) {
        byte[] value = refused.value() == null ? null : refused.value().getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.of(refused.topic(), refused.partition(), refused.offset(), refused.key(), value,
                reason);
        return to(Topics.deadLetterOf(refused.topic()), refused.key(), json(letter), null);
    }

    /** A record of {@code value} for {@code topic} (null: the emitter's own), with {@code key} and {@code headers}. */
    static Message<String> to(String topic, String key, String value, Headers headers) {
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<String> metadata =
                OutgoingKafkaRecordMetadata.<String>builder().withKey(key);
        if (topic != null) {
            metadata.withTopic(topic);
        }
        if (headers != null) {
            metadata.withHeaders(headers);
        }
        return Message.of(value).addMetadata(metadata.build());
    }

    private static String json(io.sdtune.contracts.Message message) {
        return new String(JsonCodec.encode(message), StandardCharsets.UTF_8);
    }
}
