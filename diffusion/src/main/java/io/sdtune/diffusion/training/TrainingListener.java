package io.sdtune.diffusion.training;

/** Progress of a training run, for the command line and the trainer service alike. */
@FunctionalInterface
public interface TrainingListener {
    /** After optimisation step {@code step} (1-based) of {@code totalSteps}. */
    void onStep(int step, int totalSteps, double loss, double learningRate, double secondsPerStep);

    /** Whether to stop after the current step (cooperative cancellation). */
    default boolean cancelled() {
        return false;
    }
}
