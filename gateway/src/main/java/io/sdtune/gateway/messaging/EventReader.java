package io.sdtune.gateway.messaging;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Message;
import io.sdtune.messaging.Records;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Decodes what the gateway consumes; a record that does not decode is skipped, and goes to the dead-letter topic
 * if it was written after this gateway started: every start replays the topics from their beginning, and an
 * older record was dead-lettered by the gateway that first read it.
 */
@ApplicationScoped
public class EventReader {
    private static final Logger LOG = Logger.getLogger(EventReader.class);

    private final long startedAtMs = System.currentTimeMillis();

    @Inject
    Publisher publisher;

    public <T extends Message> Optional<T> decode(ConsumerRecord<String, String> record, Class<T> type) {
        try {
            return Optional.of(Records.decode(record, type));
        } catch (InvalidMessageException e) {
            if (record.timestamp() >= startedAtMs) {
                LOG.warnf("dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
                publisher.deadLetter(record, e.getMessage());
            } else {
                LOG.debugf("skipping %s-%d@%d, dead-lettered before this start: %s", record.topic(), record.partition(),
                        record.offset(), e.getMessage());
            }
            return Optional.empty();
        }
    }
}
