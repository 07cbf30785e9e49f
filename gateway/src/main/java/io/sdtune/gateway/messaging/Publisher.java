package io.sdtune.gateway.messaging;

import io.sdtune.contracts.Message;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.json.JsonCodec;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Writes messages of the contracts to their topics, keyed as the contracts say. One channel for all
 * topics: each record names its own.
 */
@ApplicationScoped
public class Publisher {

    @Inject
    @Channel("published")
    MutinyEmitter<String> emitter;

    /** Returns once the broker has the record, so an accepted request is never lost. */
    public void publish(String topic, Message message) {
        emitter.sendMessageAndAwait(record(topic, message.key(), JsonCodec.encode(message)));
    }

    /** The record that did not decode, with the reason, to its topic's dead-letter topic; not awaited. */
    public void deadLetter(ConsumerRecord<String, String> refused, String reason) {
        byte[] value = refused.value() == null ? null : refused.value().getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.of(refused.topic(), refused.partition(), refused.offset(), refused.key(),
                value, reason);
        emitter.sendMessageAndForget(record(Topics.deadLetterOf(refused.topic()), refused.key(),
                JsonCodec.encode(letter)));
    }

    private static org.eclipse.microprofile.reactive.messaging.Message<String> record(String topic, String key,
            byte[] json) {
        return org.eclipse.microprofile.reactive.messaging.Message.of(new String(json, StandardCharsets.UTF_8))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withTopic(topic).withKey(key).build());
    }
}
