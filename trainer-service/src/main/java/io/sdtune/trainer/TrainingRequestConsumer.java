package io.sdtune.trainer;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.messaging.Attempts;
import io.sdtune.messaging.Records;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code training.requests}: a record is acked when the stage returned here completes - when its job has
 * ended and every event of it is written, or when it is dead-lettered, or sent again one attempt on (its
 * {@link Attempts#HEADER} header) because an outage outlasted the job's retries. Only a trainer that stops
 * leaves its record unacked. The job runs on the runner's own thread, so the Kafka poll loop is never held
 * (README, "Long jobs").
 */
@ApplicationScoped
public class TrainingRequestConsumer {

    @Inject
    JobRunner jobs;

    @Inject
    DeadLetters deadLetters;

    @Inject
    Retries retries;

    @Incoming("training-requests")
    public CompletionStage<Void> consume(ConsumerRecord<String, String> record) {
        TrainingRequest request;
        try {
            request = Records.decode(record, TrainingRequest.class);
        } catch (InvalidMessageException e) {
            return deadLetters.send(record, e.getMessage());
        }
        int attempt = Attempts.of(record);
        return jobs.submit(request, attempt).exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            if (cause instanceof JobNotFinished unfinished) {
                switch (unfinished.next()) {
                    case RETRY:
                        return retries.sendAgain(record, attempt + 1);
                    case DEAD_LETTER:
                        return deadLetters.send(record, unfinished.getMessage());
                    case REDELIVER:
                        break;
                }
            }
            return CompletableFuture.failedFuture(cause);
        });
    }
}
