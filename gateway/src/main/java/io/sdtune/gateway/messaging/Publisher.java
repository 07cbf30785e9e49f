package io.sdtune.gateway.messaging;

import io.sdtune.contracts.Message;
import io.sdtune.messaging.Records;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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
        emitter.sendMessageAndAwait(Records.to(topic, message));
    }

    /**
     * A tombstone - a record of {@code key} with no value - to the compacted {@code topic}: what was published under
     * the key is deleted. Returns once the broker has it.
     */
    public void tombstone(String topic, String key) {
        emitter.sendMessageAndAwait(org.eclipse.microprofile.reactive.messaging.Message.<String>of(null).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withTopic(topic).withKey(key).build()));
    }

    /** The record that did not decode, with the reason, to its topic's dead-letter topic; not awaited. */
    public void deadLetter(ConsumerRecord<String, String> refused, String reason) {
        emitter.sendMessageAndForget(Records.deadLetter(refused, reason));
    }
}
