package io.sdtune.gateway.messaging;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.json.JsonCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/** Decodes what the gateway consumes; a record that does not decode goes to the dead-letter topic and is skipped. */
@ApplicationScoped
public class EventReader {
    private static final Logger LOG = Logger.getLogger(EventReader.class);

    @Inject
    Publisher publisher;

    public <T extends Message> Optional<T> decode(ConsumerRecord<String, String> record, Class<T> type) {
        try {
            byte[] value = record.value() == null ? null : record.value().getBytes(StandardCharsets.UTF_8);
            return Optional.of(JsonCodec.decode(value, type));
        } catch (InvalidMessageException e) {
            LOG.warnf("dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
            publisher.deadLetter(record, e.getMessage());
            return Optional.empty();
        }
    }
}
