package io.sdtune.trainer;

import io.sdtune.contracts.Topics;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.json.JsonCodec;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Sends a record that cannot be read to its topic's dead-letter topic, with the reason, keyed as the original. */
@ApplicationScoped
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    @Inject
    @Channel("dead-letters")
    MutinyEmitter<String> emitter;

    /** Completes when the broker has the dead letter: then the original may be acked. */
    public CompletionStage<Void> send(ConsumerRecord<String, String> record, String reason) {
        String topic = Topics.deadLetterOf(record.topic());
        LOG.warnf("%s-%d@%d (key %s) to %s: %s", record.topic(), record.partition(), record.offset(), record.key(),
                topic, reason);
        byte[] value = record.value() == null ? null : record.value().getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.of(record.topic(), record.partition(), record.offset(), record.key(), value, reason);
        return emitter.sendMessage(Message.of(new String(JsonCodec.encode(letter), StandardCharsets.UTF_8))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withTopic(topic).withKey(record.key()).build()))
                .subscribeAsCompletionStage();
    }
}
