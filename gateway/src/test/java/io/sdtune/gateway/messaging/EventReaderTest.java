package io.sdtune.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Topics;
import io.sdtune.contracts.training.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class EventReaderTest {
    private final List<String> deadLettered = new ArrayList<>();
    private final EventReader reader = new EventReader();

    EventReaderTest() {
        reader.publisher = new Publisher() {
            @Override
            public void deadLetter(ConsumerRecord<String, String> refused, String reason) {
                deadLettered.add(refused.key());
            }
        };
    }

    private static ConsumerRecord<String, String> record(String key, String value, long timestamp) {
        return new ConsumerRecord<>(Topics.TRAINING_EVENTS, 0, 7L, timestamp, TimestampType.CREATE_TIME, 0, 0, key, value,
                new RecordHeaders(), Optional.empty());
    }

    @Test
    void decodesAnEvent() {
        assertThat(reader.decode(record("job-1", "{\"schema_version\": 3, \"type\": \"started\", \"job_id\": \"job-1\"}",
                System.currentTimeMillis()), TrainingEvent.class)).contains(new TrainingEvent.Started("job-1"));
        assertThat(deadLettered).isEmpty();
    }

    @Test
    void deadLettersWhatDoesNotDecodeOnlyIfWrittenSinceItsStart() {
        String poison = "{\"schema_version\": 1, \"type\": \"paused\"}";

        assertThat(reader.decode(record("replayed", poison, System.currentTimeMillis() - 60_000), TrainingEvent.class)).isEmpty();
        assertThat(reader.decode(record("new", poison, System.currentTimeMillis() + 1), TrainingEvent.class)).isEmpty();

        assertThat(deadLettered).containsExactly("new");
    }
}
