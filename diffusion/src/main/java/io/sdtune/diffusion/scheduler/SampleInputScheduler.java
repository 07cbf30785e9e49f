package io.sdtune.diffusion.scheduler;

/**
 * The samplers that work on the variance-preserving sample itself (DDIM, PNDM, DPM-Solver): the model
 * sees the sample unscaled and the initial noise has unit variance. What they share is the planned run.
 */
abstract class SampleInputScheduler implements Scheduler {
    /** The run planned by the last {@link #setTimesteps}; steps are checked against it. */
    protected SamplingRun run;

    SampleInputScheduler(String name) {
        this.run = SamplingRun.notPlanned(name);
    }

    @Override
    public float[] timesteps() {
        return run.timesteps();
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        run.checkedIndex(stepIndex);
        return sample;
    }
}
