package io.sdtune.trainer;

import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.diffusion.training.TrainingListener;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The engine's steps as {@code progress} events: at most one per {@code interval} (a step can take a few
 * milliseconds on a small model, and the events feed a browser), and always the last step. Hands each
 * checkpoint the engine writes on, and tells the engine whether the job was cancelled.
 */
final class ProgressReporter implements TrainingListener {
    private final String jobId;
    private final Consumer<TrainingEvent.Progress> publish;
    private final BiConsumer<Integer, Path> checkpointed;
    private final BooleanSupplier cancelled;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private long lastSent;
    private boolean sentAny;

    ProgressReporter(String jobId, Consumer<TrainingEvent.Progress> publish, BiConsumer<Integer, Path> checkpointed,
            BooleanSupplier cancelled, LongSupplier nanoClock, long intervalNanos) {
        this.jobId = jobId;
        this.publish = publish;
        this.checkpointed = checkpointed;
        this.cancelled = cancelled;
        this.nanoClock = nanoClock;
        this.intervalNanos = intervalNanos;
    }

    @Override
    public void onStep(int step, int totalSteps, double loss, double learningRate, double secondsPerStep) {
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
        checkpointed.accept(step, folder);
    }

    @Override
    public boolean cancelled() {
        return cancelled.getAsBoolean();
    }
}
