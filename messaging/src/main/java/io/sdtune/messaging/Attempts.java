package io.sdtune.messaging;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The attempt a record is at, carried in its {@value #HEADER} header (absent: the first): a consumer that could
 * not finish a record for a passing reason sends it again one attempt on - onto its own topic, keyed as before,
 * so it stays in its partition - acks the original and goes on, and gives it up after so many attempts.
 */
public final class Attempts {
    public static final String HEADER = "sdtune-attempt";

    private Attempts() {
    }

    /** The record's attempt, from 1; a header that is not a positive number counts as the first. */
    public static int of(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(HEADER);
        if (header == null || header.value() == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII)));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** {@code record} again, for its own topic, with its key, value and headers, at {@code attempt}. */
    public static Message<String> again(ConsumerRecord<String, String> record, int attempt) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.remove(HEADER);
        headers.add(HEADER, Integer.toString(attempt).getBytes(StandardCharsets.US_ASCII));
        return Records.to(record.topic(), record.key(), record.value(), headers);
    }
}
