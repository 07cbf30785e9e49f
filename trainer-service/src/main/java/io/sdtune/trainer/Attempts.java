package io.sdtune.trainer;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The attempt a training request is at, carried in its record's {@value #HEADER} header (absent: the first),
 * and sending a request again onto its topic one attempt on - keyed as before, so it stays in its partition -
 * after an attempt that an outage ended. The consumer keeps consuming meanwhile; after
 * {@code sdtune.trainer.max-attempts} the runner gives the job up instead.
 */
@ApplicationScoped
public class Attempts {
    static final String HEADER = "sdtune-attempt";
    private static final Logger LOG = Logger.getLogger(Attempts.class);

    @Inject
    @Channel("training-requests-again")
    MutinyEmitter<String> emitter;

    /** The record's attempt, from 1; a header that is not a positive number counts as the first. */
    static int of(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(HEADER);
        if (header == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII)));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Completes when the broker has the record again, at {@code attempt}: then the original may be acked. */
    CompletionStage<Void> sendAgain(ConsumerRecord<String, String> record, int attempt) {
        LOG.infof("%s-%d@%d (key %s) sent again as attempt %d", record.topic(), record.partition(), record.offset(),
                record.key(), attempt);
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.remove(HEADER);
        headers.add(HEADER, Integer.toString(attempt).getBytes(StandardCharsets.US_ASCII));
        return emitter.sendMessage(Message.of(record.value()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withTopic(record.topic()).withKey(record.key()).withHeaders(headers).build()))
                .subscribeAsCompletionStage();
    }
}
