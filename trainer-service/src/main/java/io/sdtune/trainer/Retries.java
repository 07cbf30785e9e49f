package io.sdtune.trainer;

import io.sdtune.messaging.Attempts;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Sends a training request again onto its topic, one attempt on ({@link Attempts}), after an attempt that an
 * outage ended; after {@code sdtune.trainer.max-attempts} the runner gives the job up instead.
 */
@ApplicationScoped
public class Retries {
    private static final Logger LOG = Logger.getLogger(Retries.class);

    @Inject
    @Channel("training-requests-again")
    MutinyEmitter<String> emitter;

    /** Completes when the broker has the record again, at {@code attempt}: then the original may be acked. */
    CompletionStage<Void> sendAgain(ConsumerRecord<String, String> record, int attempt) {
        LOG.infof("%s-%d@%d (key %s) sent again as attempt %d", record.topic(), record.partition(), record.offset(),
                record.key(), attempt);
        return emitter.sendMessage(Attempts.again(record, attempt)).subscribeAsCompletionStage();
    }
}
