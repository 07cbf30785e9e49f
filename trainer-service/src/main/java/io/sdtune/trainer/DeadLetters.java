package io.sdtune.trainer;

import io.sdtune.messaging.Records;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/** Sends a record that cannot be read, or a request given up, to its topic's dead-letter topic with the reason. */
@ApplicationScoped
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    @Inject
    @Channel("dead-letters")
    MutinyEmitter<String> emitter;

    /** Completes when the broker has the dead letter: then the original may be acked. */
    public CompletionStage<Void> send(ConsumerRecord<String, String> record, String reason) {
        LOG.warnf("%s-%d@%d (key %s) to the dead-letter topic: %s", record.topic(), record.partition(), record.offset(),
                record.key(), reason);
        return emitter.sendMessage(Records.deadLetter(record, reason)).subscribeAsCompletionStage();
    }
}
