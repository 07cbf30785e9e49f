package io.sdtune.gateway.training;

import io.sdtune.contracts.training.TrainingEvent;
import java.time.Instant;

/**
 * Where a job stands after the events seen so far: {@code state} is the last event's type ({@code submitted}
 * before any); progress fields hold the latest progress, {@code adapter_id} and {@code reason} the outcome.
 */
public record TrainingStatus(String jobId, String state, Integer step, Integer totalSteps, Double loss,
        Double learningRate, Double etaSeconds, String adapterId, String reason, Instant updated) {

    static TrainingStatus submitted(String jobId, Instant at) {
        return new TrainingStatus(jobId, "submitted", null, null, null, null, null, null, null, at);
    }

    /** This status after {@code event}; a checkpoint changes nothing a user watches but the time. */
    TrainingStatus after(TrainingEvent event, String type, Instant at) {
        if (event instanceof TrainingEvent.Progress p) {
            return new TrainingStatus(jobId, type, p.step(), p.totalSteps(), p.loss(), p.learningRate(),
                    p.etaSeconds(), null, null, at);
        }
        if (event instanceof TrainingEvent.Checkpoint) {
            return new TrainingStatus(jobId, state, step, totalSteps, loss, learningRate, etaSeconds, null, null, at);
        }
        String adapter = event instanceof TrainingEvent.Succeeded s ? s.adapterId() : null;
        String reason = event instanceof TrainingEvent.Failed f ? f.reason() : null;
        boolean finished = event instanceof TrainingEvent.Succeeded;
        return new TrainingStatus(jobId, type, step, totalSteps, loss, learningRate, finished ? Double.valueOf(0) : null,
                adapter, reason, at);
    }

    static boolean isFinal(TrainingEvent event) {
        return event instanceof TrainingEvent.Succeeded || event instanceof TrainingEvent.Failed
                || event instanceof TrainingEvent.Cancelled;
    }
}
