package io.sdtune.trainer;

import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import io.sdtune.diffusion.training.TrainingListener;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * The engine's steps as {@code progress} events: at most one per {@code interval} (a step can take a few
 * milliseconds on a small model, and the events feed a browser), and always the last step. Hands the
 * checkpoints and validation images the engine writes on, and tells the engine whether the job was cancelled.
 */
final class ProgressReporter implements TrainingListener {
    private static final Logger LOG = Logger.getLogger(ProgressReporter.class);
    private static final double GIB = 1L << 30;

    /** Where the files the engine writes during a job go. */
    interface Outputs {
        void checkpoint(int step, Path folder);

        void validation(int step, List<Path> images);
    }

    private final String jobId;
    private final Consumer<TrainingEvent.Progress> publish;
    private final Runnable stepDone;
    private final Outputs outputs;
    private final BooleanSupplier cancelled;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private long lastSent;
    private boolean sentAny;

    /** {@code stepDone} hears every step, sent or not: the job's heartbeat. */
    ProgressReporter(String jobId, Consumer<TrainingEvent.Progress> publish, Runnable stepDone, Outputs outputs,
            BooleanSupplier cancelled, LongSupplier nanoClock, long intervalNanos) {
        this.jobId = jobId;
        this.publish = publish;
        this.stepDone = stepDone;
        this.outputs = outputs;
        this.cancelled = cancelled;
        this.nanoClock = nanoClock;
        this.intervalNanos = intervalNanos;
    }

    @Override
    public void onStep(int step, int totalSteps, double loss, double learningRate, double secondsPerStep) {
        stepDone.run();
        long now = nanoClock.getAsLong();
        boolean due = step == totalSteps || !sentAny || now - lastSent >= intervalNanos;
        // A step whose loss overflowed (fp16 skips such steps) has nothing to show; the next one will.
        if (!due || !Double.isFinite(loss)) {
            return;
        }
        publish.accept(new TrainingEvent.Progress(jobId, step, totalSteps, loss, learningRate, secondsPerStep,
                secondsPerStep * (totalSteps - step)));
        lastSent = now;
        sentAny = true;
    }

    @Override
    public void onCheckpoint(int step, Path folder) {
        outputs.checkpoint(step, folder);
    }

    @Override
    public void onValidation(int step, List<Path> images) {
        outputs.validation(step, images);
    }

    @Override
    public void onMemorySavings(MemoryEstimate withoutSavings, MemoryEstimate estimate) {
        LOG.infof("job %s did not fit its device (an estimated %.1f GiB): gradient checkpointing and, where the method"
                + " takes it, 8-bit AdamW switched on, as it allows (%.1f GiB)", jobId, withoutSavings.total() / GIB,
                estimate.total() / GIB);
    }

    @Override
    public boolean cancelled() {
        return cancelled.getAsBoolean();
    }
}
