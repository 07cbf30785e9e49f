package io.sdtune.diffusion.scheduler;

import io.sdtune.diffusion.scheduler.SchedulerConfig.PredictionType;

/**
 * Euler ancestral sampling (k-diffusion's {@code sample_euler_ancestral}), diffusers'
 * {@code EulerAncestralDiscreteScheduler}. It works with the noise level σ = √((1 − ᾱ)/ᾱ) of
 * x = x₀ + σ ε, so the model's input is divided by √(σ² + 1) to be on its training scale. Each step
 * from σ to σ_next takes an Euler step of the probability-flow ODE down to σ_down, then adds fresh
 * noise σ_up z, where
 *
 * <pre>
 *   σ_up = √(σ_next² (σ² − σ_next²) / σ²),   σ_down = √(σ_next² − σ_up²)
 *   x_next = x + (x − x0_pred)/σ · (σ_down − σ) + σ_up z
 * </pre>
 *
 * σ at each inference timestep is interpolated from the training table; the last step goes to
 * σ = 0. Default spacing: linspace, whose timesteps are fractional.
 */
public final class EulerAncestralScheduler implements Scheduler {
    private static final String NAME = "EulerAncestralScheduler";

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private final TimestepSpacing spacing;
    /** σ per step, then 0 for where the last step lands; float32 as diffusers holds them. */
    private float[] sigmas;
    private SamplingRun run = SamplingRun.notPlanned(NAME);

    public EulerAncestralScheduler(SchedulerConfig config) {
        if (config.predictionType() == PredictionType.SAMPLE) {
            throw new IllegalArgumentException(NAME + ": prediction_type must be epsilon or v_prediction, found "
                    + "sample (diffusers does not implement it for this scheduler)");
        }
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
        this.spacing = config.timestepSpacing().orElse(TimestepSpacing.LINSPACE);
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        int trainTimesteps = config.numTrainTimesteps();
        int n = SamplingRun.checkedSteps(NAME, numInferenceSteps, trainTimesteps);
        float[] timesteps = new float[n];
        if (spacing == TimestepSpacing.LINSPACE) {
            double[] points = TimestepSpacing.linspace(0, trainTimesteps - 1, n);
            for (int i = 0; i < n; i++) {
                timesteps[i] = (float) points[n - 1 - i];
            }
        } else {
            int[] whole = spacing.timesteps(trainTimesteps, n, config.stepsOffset());
            for (int i = 0; i < n; i++) {
                timesteps[i] = whole[i];
            }
        }
        sigmas = new float[n + 1];
        for (int i = 0; i < n; i++) {
            sigmas[i] = (float) schedule.sigma(timesteps[i]);
        }
        run = SamplingRun.of(NAME, timesteps);
    }

    @Override
    public float[] timesteps() {
        return run.timesteps();
    }

    /** The largest σ of the run, as diffusers defines it for each spacing: √(σ_max² + 1) with leading, else σ_max. */
    @Override
    public float initNoiseSigma() {
        run.checkPlanned();
        float sigmaMax = 0;
        for (float sigma : sigmas) {
            sigmaMax = Math.max(sigmaMax, sigma);
        }
        return spacing == TimestepSpacing.LEADING ? (float) Math.sqrt(sigmaMax * sigmaMax + 1) : sigmaMax;
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        float sigma = sigmas[run.checkedIndex(stepIndex)];
        float scale = (float) Math.sqrt(sigma * sigma + 1);
        float[] scaled = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            scaled[i] = sample[i] / scale;
        }
        return scaled;
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        run.begin(stepIndex, modelOutput, sample);
        float sigma = sigmas[stepIndex];
        float sigmaNext = sigmas[stepIndex + 1];
        float sigmaUp = (float) Math.sqrt(sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)
                / (sigma * sigma));
        float sigmaDown = (float) Math.sqrt(sigmaNext * sigmaNext - sigmaUp * sigmaUp);
        float dt = sigmaDown - sigma;
        float vScale = -sigma / (float) Math.sqrt(sigma * sigma + 1);
        float vSkip = sigma * sigma + 1;
        // Drawn on the last step too (where σ_up = 0), so the noise stream advances as diffusers' does.
        float[] z = noise.standardNormal(sample.length);

        boolean epsilon = config.predictionType() == PredictionType.EPSILON;
        float[] prevSample = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            float x = sample[i];
            float x0Pred = epsilon ? x - sigma * modelOutput[i] : modelOutput[i] * vScale + x / vSkip;
            float derivative = (x - x0Pred) / sigma;
            prevSample[i] = x + derivative * dt + z[i] * sigmaUp;
        }
        return prevSample;
    }
}
