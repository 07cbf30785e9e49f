package io.sdtune.diffusion.training;

import io.sdtune.diffusion.runtime.MemoryEstimate;
import java.nio.file.Path;
import java.util.List;

/** Progress of a training run, for the command line and the trainer service alike. */
@FunctionalInterface
public interface TrainingListener {
    /** After optimisation step {@code step} (1-based) of {@code totalSteps}. */
    void onStep(int step, int totalSteps, double loss, double learningRate, double secondsPerStep);

    /**
     * After the training state at {@code step} was written to {@code dir} ({@code checkpointing_steps}): a
     * caller that keeps checkpoints elsewhere takes them from there; resuming reads {@code output_dir}'s.
     */
    default void onCheckpoint(int step, Path dir) {
    }

    /** Before the session is created: what the step's program will hold on the device ({@link MemoryEstimate}). */
    default void onMemoryEstimate(MemoryEstimate estimate) {
    }

    /**
     * When the run did not fit its device as asked and its {@link MemoryGuard} allowed savings: gradient
     * checkpointing and (where the method takes it) 8-bit AdamW were switched on, {@code withoutSavings} becoming
     * {@code estimate}.
     */
    default void onMemorySavings(MemoryEstimate withoutSavings, MemoryEstimate estimate) {
    }

    /** After the validation images of {@code step} were drawn into {@code images} ({@code validation_prompt}). */
    default void onValidation(int step, List<Path> images) {
    }

    /** Whether to stop after the current step (cooperative cancellation). */
    default boolean cancelled() {
        return false;
    }
}
