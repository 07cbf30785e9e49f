package io.sdtune.diffusion.scheduler;

/**
 * The steps that {@link Scheduler#setTimesteps} planned and how far a run through them has got.
 * A run may start at any step (img2img starts part-way) and then goes one step at a time.
 */
final class SamplingRun {
    private final String scheduler;
    private final float[] timesteps;
    private int stepsTaken;
    private int lastIndex = -1;

    private SamplingRun(String scheduler, float[] timesteps) {
        this.scheduler = scheduler;
        this.timesteps = timesteps;
    }

    /** The state of a scheduler before its first {@code setTimesteps}: every use fails saying so. */
    static SamplingRun notPlanned(String scheduler) {
        return new SamplingRun(scheduler, null);
    }

    static SamplingRun of(String scheduler, float[] timesteps) {
        return new SamplingRun(scheduler, timesteps.clone());
    }

    /** {@code numInferenceSteps} checked against the training length, as diffusers checks it. */
    static int checkedSteps(String scheduler, int numInferenceSteps, int numTrainTimesteps) {
        if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps) {
            throw new IllegalArgumentException(scheduler + ": numInferenceSteps must be in [1, " + numTrainTimesteps
                    + "] (the training timesteps), found " + numInferenceSteps);
        }
        return numInferenceSteps;
    }

    /** Fails unless {@code setTimesteps} has planned a run. */
    void checkPlanned() {
        planned();
    }

    float[] timesteps() {
        return planned().clone();
    }

    int size() {
        return planned().length;
    }

    /**
     * Checks step {@code stepIndex}'s inputs and counts it; returns how many steps this run took
     * before it (what diffusers' multistep schedulers count as their {@code counter}).
     */
    int begin(int stepIndex, float[] modelOutput, float[] sample) {
        checkedIndex(stepIndex);
        if (stepsTaken > 0 && stepIndex != lastIndex + 1) {
            throw new IllegalStateException(scheduler + ": expected step " + (lastIndex + 1) + " after step "
                    + lastIndex + ", found step " + stepIndex + "; setTimesteps starts a new run");
        }
        if (modelOutput.length != sample.length) {
            throw new IllegalArgumentException(scheduler + ": model output has " + modelOutput.length
                    + " values but the sample has " + sample.length);
        }
        lastIndex = stepIndex;
        return stepsTaken++;
    }

    /** {@code stepIndex} checked for a call that does not advance the run (input scaling). */
    int checkedIndex(int stepIndex) {
        int size = planned().length;
        if (stepIndex < 0 || stepIndex >= size) {
            throw new IllegalArgumentException(scheduler + ": stepIndex must be in [0, " + (size - 1) + "], found "
                    + stepIndex);
        }
        return stepIndex;
    }

    private float[] planned() {
        if (timesteps == null) {
            throw new IllegalStateException(scheduler + ": call setTimesteps before sampling");
        }
        return timesteps;
    }
}
