package io.sdtune.trainer;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.training.TrainingRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code training.requests}: a record is acked when the stage returned here completes - when its job has
 * ended and every event of it is written, or when it is dead-lettered. The job runs on the runner's own
 * thread, so the Kafka poll loop is never held (README, "Long jobs").
 */
@ApplicationScoped
public class TrainingRequestConsumer {

    @Inject
    JobRunner jobs;

    @Inject
    DeadLetters deadLetters;

    @Incoming("training-requests")
    public CompletionStage<Void> consume(ConsumerRecord<String, String> record) {
        TrainingRequest request;
        try {
            request = Records.decode(record, TrainingRequest.class);
        } catch (InvalidMessageException e) {
            return deadLetters.send(record, e.getMessage());
        }
        return jobs.submit(request);
    }
}
