package io.sdtune.trainer;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.training.TrainingCancellation;
import io.sdtune.messaging.Records;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** {@code training.cancellations}, read by every instance: remembers the job, which its runner then stops or skips. */
@ApplicationScoped
public class CancellationConsumer {

    @Inject
    Cancellations cancellations;

    @Inject
    DeadLetters deadLetters;

    @Incoming("training-cancellations")
    public CompletionStage<Void> consume(ConsumerRecord<String, String> record) {
        try {
            cancellations.cancel(Records.decode(record, TrainingCancellation.class));
            return CompletableFuture.completedFuture(null);
        } catch (InvalidMessageException e) {
            return deadLetters.send(record, e.getMessage());
        }
    }
}
