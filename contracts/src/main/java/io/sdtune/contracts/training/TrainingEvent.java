package io.sdtune.contracts.training;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Range;
import io.sdtune.contracts.validation.Syntax;
import java.util.List;

/**
 * What happened to a training job, in order on its key: queued, started, progress and checkpoints, then
 * one of succeeded, failed or cancelled. The variant is the {@code type} field on the wire. When it
 * happened is the Kafka record's timestamp.
 */
@SchemaVersion(3) // 2 added started's optional resumed_from_step, 3 queued's tenant
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = TrainingEvent.Queued.class, name = "queued"),
        @JsonSubTypes.Type(value = TrainingEvent.Started.class, name = "started"),
        @JsonSubTypes.Type(value = TrainingEvent.Progress.class, name = "progress"),
        @JsonSubTypes.Type(value = TrainingEvent.Checkpoint.class, name = "checkpoint"),
        @JsonSubTypes.Type(value = TrainingEvent.Validation.class, name = "validation"),
        @JsonSubTypes.Type(value = TrainingEvent.Succeeded.class, name = "succeeded"),
        @JsonSubTypes.Type(value = TrainingEvent.Failed.class, name = "failed"),
        @JsonSubTypes.Type(value = TrainingEvent.Cancelled.class, name = "cancelled")})
public sealed interface TrainingEvent extends Message {

    String jobId();

    @Override
    default String key() {
        return jobId();
    }

    private static void checkJobId(Problems p, String jobId) {
        p.required("job_id", jobId, Syntax.ID);
    }

    /** What a checkpoint or a validation round stored at a step. */
    private static void checkStoredAtStep(Problems p, String jobId, int step, String field, List<StoredObject> stored,
            Range count) {
        checkJobId(p, jobId);
        p.in("step", step, Limits.MAX_TRAIN_STEPS);
        p.required(field, stored);
        p.elements(field, stored, count, StoredObject::key);
    }

    /**
     * The request was accepted and waits for a trainer. {@code tenant} owns the job: the gateway answers its
     * status and events only to that tenant.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Queued(String jobId, String tenant) implements TrainingEvent {
        @Override
        public void check(Problems p) {
            checkJobId(p, jobId);
            p.required("tenant", tenant, Syntax.ID);
        }
    }

    /**
     * A trainer took the job: its model and images are being loaded. {@code resumed_from_step} is the step of
     * the checkpoint it goes on from - the job was delivered again after a trainer stopped or died - and absent
     * when it starts from the beginning.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Started(String jobId, Integer resumedFromStep) implements TrainingEvent {
        public Started(String jobId) {
            this(jobId, null);
        }

        @Override
        public void check(Problems p) {
            checkJobId(p, jobId);
            p.in("resumed_from_step", resumedFromStep, Limits.MAX_TRAIN_STEPS);
        }
    }

    /**
     * Optimisation step {@code step} of {@code total_steps} is done (1-based), with its loss and learning
     * rate; {@code eta_seconds} is the trainer's estimate of the time left. Trainers throttle these.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Progress(String jobId, int step, int totalSteps, double loss, double learningRate, double secondsPerStep,
            double etaSeconds) implements TrainingEvent {
        @Override
        public void check(Problems p) {
            checkJobId(p, jobId);
            p.in("total_steps", totalSteps, Limits.MAX_TRAIN_STEPS);
            p.in("step", step, Limits.MAX_TRAIN_STEPS);
            p.notAbove("step", step, "total_steps", totalSteps, Limits.MAX_TRAIN_STEPS);
            p.in("loss", loss, Range.atLeast(0));
            p.in("learning_rate", learningRate, Range.atLeast(0));
            p.in("seconds_per_step", secondsPerStep, Range.atLeast(0));
            p.in("eta_seconds", etaSeconds, Range.atLeast(0));
        }
    }

    /** The training state at {@code step} is stored in {@code files}: a crashed job resumes from the latest. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Checkpoint(String jobId, int step, List<StoredObject> files) implements TrainingEvent {
        @Override
        public void check(Problems p) {
            checkStoredAtStep(p, jobId, step, "files", files, Limits.FILES);
        }
    }

    /**
     * The request's {@code validation_prompt} drawn with the weights after {@code step} (every
     * {@code validation_steps} and at the end), stored as {@code images}: what the scripts log to their trackers.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Validation(String jobId, int step, List<StoredObject> images) implements TrainingEvent {
        @Override
        public void check(Problems p) {
            checkStoredAtStep(p, jobId, step, "images", images, Limits.NUM_VALIDATION_IMAGES);
        }
    }

    /** The job's adapter is stored and announced on the adapters topic under {@code adapter_id}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Succeeded(String jobId, String adapterId) implements TrainingEvent {
        @Override
        public void check(Problems p) {
            checkJobId(p, jobId);
            p.required("adapter_id", adapterId, Syntax.ID);
        }
    }

    /** The job stopped on an error; {@code reason} says what a user can do about it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Failed(String jobId, String reason) implements TrainingEvent {
        public Failed {
            reason = Limits.cutReason(reason);
        }

        @Override
        public void check(Problems p) {
            checkJobId(p, jobId);
            p.required("reason", reason);
            p.text("reason", reason, Limits.MAX_REASON_CHARS, false);
        }
    }

    /** The job was stopped on a {@link TrainingCancellation}; nothing of it was announced. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Cancelled(String jobId) implements TrainingEvent {
        @Override
        public void check(Problems p) {
            checkJobId(p, jobId);
        }
    }
}
