package io.sdtune.gateway.training;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.gateway.generation.ImageResource;
import java.time.Instant;
import java.util.List;

/**
 * Where a job stands after the events seen so far: {@code state} is the last event's type ({@code submitted}
 * before any); progress fields hold the latest progress ({@code seconds_per_step}: the trainer's mean over its run so
 * far, as the scripts' progress bars show it), {@code validation_images} the URLs of the latest
 * validation round (with the step it was drawn at), {@code adapter_id} and {@code reason} the outcome;
 * {@code resumed_from_step} the checkpoint step its latest trainer went on from, when one did (its first trainer
 * stopped or died).
 * Checkpoints and validation rounds change the state of nothing a user watches but the time.
 */
public record TrainingStatus(String jobId, String state, Integer step, Integer totalSteps, Double loss,
        Double learningRate, Double secondsPerStep, Double etaSeconds, Integer validationStep, List<String> validationImages,
        String adapterId, String reason, Integer resumedFromStep, Instant updated) {

    static TrainingStatus submitted(String jobId, Instant at) {
        return new TrainingStatus(jobId, "submitted", null, null, null, null, null, null, null, null, null, null, null,
                at);
    }

    /** This status after {@code event}, whose type is {@code type}, seen {@code at}. */
    TrainingStatus after(TrainingEvent event, String type, Instant at) {
        if (event instanceof TrainingEvent.Progress p) {
            return new TrainingStatus(jobId, type, p.step(), p.totalSteps(), p.loss(), p.learningRate(),
                    p.secondsPerStep(), p.etaSeconds(), validationStep, validationImages, null, null, resumedFromStep, at);
        }
        if (event instanceof TrainingEvent.Checkpoint) {
            return new TrainingStatus(jobId, state, step, totalSteps, loss, learningRate, secondsPerStep, etaSeconds,
                    validationStep, validationImages, null, null, resumedFromStep, at);
        }
        if (event instanceof TrainingEvent.Validation v) {
            List<String> urls = v.images().stream().map(StoredObject::key).map(ImageResource::url).toList();
            return new TrainingStatus(jobId, state, step, totalSteps, loss, learningRate, secondsPerStep, etaSeconds,
                    v.step(), urls, null, null, resumedFromStep, at);
        }
        String adapter = event instanceof TrainingEvent.Succeeded s ? s.adapterId() : null;
        String reason = event instanceof TrainingEvent.Failed f ? f.reason() : null;
        boolean finished = event instanceof TrainingEvent.Succeeded;
        Integer resumed = event instanceof TrainingEvent.Started s ? s.resumedFromStep() : resumedFromStep;
        return new TrainingStatus(jobId, type, step, totalSteps, loss, learningRate, secondsPerStep,
                finished ? Double.valueOf(0) : null, validationStep, validationImages, adapter, reason, resumed, at);
    }

    static boolean isFinal(TrainingEvent event) {
        return event instanceof TrainingEvent.Succeeded || event instanceof TrainingEvent.Failed
                || event instanceof TrainingEvent.Cancelled;
    }
}
