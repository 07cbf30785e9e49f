package io.sdtune.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.contracts.training.TrainingEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class RecordsTest {

    @Test
    void aRecordDecodesAsItsMessageAndOneWithoutValueIsInvalid() {
        ConsumerRecord<String, String> record = new ConsumerRecord<>(Topics.TRAINING_EVENTS, 0, 7L, "job-1",
                new String(JsonCodec.encode(new TrainingEvent.Queued("job-1")), StandardCharsets.UTF_8));
        ConsumerRecord<String, String> empty = new ConsumerRecord<>(Topics.TRAINING_EVENTS, 0, 8L, "job-1", null);

        assertThat(Records.decode(record, TrainingEvent.class)).isEqualTo(new TrainingEvent.Queued("job-1"));
        assertThatThrownBy(() -> Records.decode(empty, TrainingEvent.class))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("the record has no value");
    }

    @Test
    void aMessageIsKeyedByItsKeyForTheEmittersTopicOrANamedOne() {
        Message<String> keyed = Records.keyed(new TrainingEvent.Started("job-1", 20));
        Message<String> named = Records.to(Topics.TRAINING_EVENTS, new TrainingEvent.Queued("job-2"));

        assertThat(metadata(keyed).getKey()).isEqualTo("job-1");
        assertThat(metadata(keyed).getTopic()).isNull();
        assertThat(JsonCodec.decode(keyed.getPayload().getBytes(StandardCharsets.UTF_8), TrainingEvent.class))
                .isEqualTo(new TrainingEvent.Started("job-1", 20));
        assertThat(metadata(named).getTopic()).isEqualTo(Topics.TRAINING_EVENTS);
        assertThat(metadata(named).getKey()).isEqualTo("job-2");
    }

    @Test
    void aTombstoneIsTheKeyWithoutAValue() {
        Message<String> tombstone = Records.tombstone(Topics.API_KEYS, "key-1");

        assertThat(metadata(tombstone).getTopic()).isEqualTo(Topics.API_KEYS);
        assertThat(metadata(tombstone).getKey()).isEqualTo("key-1");
        assertThat(tombstone.getPayload()).isNull();
    }

    @Test
    void aDeadLetterGoesToTheTopicsDeadLetterTopicKeyedAsTheRecordWithItAndTheReason() {
        ConsumerRecord<String, String> refused = new ConsumerRecord<>(Topics.TRAINING_REQUESTS, 2, 41L, "job-9", "{oops");

        Message<String> letter = Records.deadLetter(refused, "not valid JSON");

        assertThat(metadata(letter).getTopic()).isEqualTo(Topics.TRAINING_REQUESTS_DLQ);
        assertThat(metadata(letter).getKey()).isEqualTo("job-9");
        DeadLetter decoded = JsonCodec.decode(letter.getPayload().getBytes(StandardCharsets.UTF_8), DeadLetter.class);
        assertThat(decoded.topic()).isEqualTo(Topics.TRAINING_REQUESTS);
        assertThat(decoded.partition()).isEqualTo(2);
        assertThat(decoded.offset()).isEqualTo(41L);
        assertThat(decoded.value()).isEqualTo("{oops");
        assertThat(decoded.reason()).isEqualTo("not valid JSON");
    }

    @SuppressWarnings("unchecked")
    static OutgoingKafkaRecordMetadata<String> metadata(Message<String> message) {
        return message.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
    }
}
