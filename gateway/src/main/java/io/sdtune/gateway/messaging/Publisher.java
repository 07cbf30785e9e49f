package io.sdtune.gateway.messaging;

import io.sdtune.contracts.Message;
import io.sdtune.messaging.Records;
import io.smallrye.reactive.messaging.MutinyEmitter;
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
     * A record of {@code key} without a value: on a compacted topic it removes the key; on {@code generation.results}
     * it is a generation's deletion (Generations). Returns once the broker has it.
     */
    public void tombstone(String topic, String key) {
        emitter.sendMessageAndAwait(Records.tombstone(topic, key));
    }

    /** The record that did not decode, with the reason, to its topic's dead-letter topic; not awaited. */
    public void deadLetter(ConsumerRecord<String, String> refused, String reason) {
        emitter.sendMessageAndForget(Records.deadLetter(refused, reason));
    }
}
