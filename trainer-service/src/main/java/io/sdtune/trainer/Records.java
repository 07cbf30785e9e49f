package io.sdtune.trainer;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reading a consumed record as a message of the contracts, a missing value included in the one exception. */
final class Records {
    private Records() {
    }

    static <T extends Message> T decode(ConsumerRecord<String, String> record, Class<T> type) {
        if (record.value() == null) {
            throw new InvalidMessageException(type.getSimpleName(), List.of("the record has no value"));
        }
        return JsonCodec.decode(record.value().getBytes(StandardCharsets.UTF_8), type);
    }
}
