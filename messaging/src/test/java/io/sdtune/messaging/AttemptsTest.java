package io.sdtune.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class AttemptsTest {

    @Test
    void aRecordWithoutTheHeaderIsAtItsFirstAttemptAndAHeaderThatIsNoNumberToo() {
        ConsumerRecord<String, String> plain = record();
        ConsumerRecord<String, String> third = record();
        third.headers().add(Attempts.HEADER, bytes("3"));
        ConsumerRecord<String, String> garbled = record();
        garbled.headers().add(Attempts.HEADER, bytes("three"));

        assertThat(Attempts.of(plain)).isEqualTo(1);
        assertThat(Attempts.of(third)).isEqualTo(3);
        assertThat(Attempts.of(garbled)).isEqualTo(1);
    }

    @Test
    void aRecordSentAgainKeepsTopicKeyValueAndOtherHeadersWithTheNextAttempt() {
        ConsumerRecord<String, String> second = record();
        second.headers().add("traceparent", bytes("00-abc-01"));
        second.headers().add(Attempts.HEADER, bytes("2"));

        Message<String> again = Attempts.again(second, 3);

        var metadata = RecordsTest.metadata(again);
        assertThat(metadata.getTopic()).isEqualTo(Topics.TRAINING_REQUESTS);
        assertThat(metadata.getKey()).isEqualTo("job-1");
        assertThat(again.getPayload()).isEqualTo("{\"job_id\":\"job-1\"}");
        assertThat(metadata.getHeaders().headers(Attempts.HEADER)).singleElement()
                .satisfies(h -> assertThat(new String(h.value(), StandardCharsets.US_ASCII)).isEqualTo("3"));
        assertThat(metadata.getHeaders().lastHeader("traceparent").value()).isEqualTo(bytes("00-abc-01"));
    }

    private static ConsumerRecord<String, String> record() {
        return new ConsumerRecord<>(Topics.TRAINING_REQUESTS, 0, 5L, "job-1", "{\"job_id\":\"job-1\"}");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
