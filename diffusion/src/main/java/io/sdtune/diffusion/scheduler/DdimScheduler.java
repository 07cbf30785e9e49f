package io.sdtune.diffusion.scheduler;

import io.sdtune.diffusion.scheduler.SchedulerConfig.PredictionType;

/**
 * DDIM (Song et al. 2021), diffusers' {@code DDIMScheduler}: from the model's output at timestep t,
 * estimate x₀ and ε, then jump to the previous timestep s = t − N/n along eq. (12):
 *
 * <pre>
 *   x_s = √ᾱ_s x0_pred + √(1 − ᾱ_s − σ²) eps_pred + σ z,    σ = η √((1 − ᾱ_s)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_s)
 * </pre>
 *
 * η = 0 (the default) is the deterministic sampler; η = 1 matches DDPM's posterior noise. Past the
 * last timestep ᾱ_s is 1 with {@code set_alpha_to_one} (DDIM's default), else ᾱ_0. Defaults:
 * leading spacing, {@code clip_sample} true (x0_pred clamped to ±{@code clip_sample_range}).
 */
public final class DdimScheduler extends SampleInputScheduler {
    private static final String NAME = "DdimScheduler";

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private final TimestepSpacing spacing;
    private final float finalAlphaCumprod;
    private final float eta;
    private int numInferenceSteps;
    private int[] timesteps;

    /** The deterministic sampler, η = 0. */
    public DdimScheduler(SchedulerConfig config) {
        this(config, 0);
    }

    /** η ∈ [0, 1] weighs the fresh noise of each step: 0 is DDIM, 1 is DDPM's posterior variance. */
    public DdimScheduler(SchedulerConfig config, double eta) {
        super(NAME);
        if (config.thresholding()) {
            throw new IllegalArgumentException(NAME + ": thresholding is not supported (expected false; dynamic "
                    + "thresholding is for pixel-space models, not latents)");
        }
        if (!(eta >= 0 && eta <= 1)) {
            throw new IllegalArgumentException(NAME + ": eta must be in [0, 1], found " + eta);
        }
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
        this.spacing = config.timestepSpacing().orElse(TimestepSpacing.LEADING);
        this.finalAlphaCumprod = config.setAlphaToOne().orElse(true) ? 1f : (float) schedule.alphaCumprod(0);
        this.eta = (float) eta;
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        int trainTimesteps = config.numTrainTimesteps();
        this.numInferenceSteps = SamplingRun.checkedSteps(NAME, numInferenceSteps, trainTimesteps);
        this.timesteps = spacing.timesteps(trainTimesteps, numInferenceSteps, config.stepsOffset());
        if (timesteps[0] >= trainTimesteps) {
            throw new IllegalArgumentException(NAME + ": steps_offset " + config.stepsOffset() + " with "
                    + numInferenceSteps + " steps puts the first timestep at " + timesteps[0]
                    + ", past the last training timestep " + (trainTimesteps - 1));
        }
        float[] modelTimesteps = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            modelTimesteps[i] = timesteps[i];
        }
        this.run = SamplingRun.of(NAME, modelTimesteps);
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        run.begin(stepIndex, modelOutput, sample);
        int t = timesteps[stepIndex];
        // diffusers steps back by N // n whatever the spacing, not to the next planned timestep.
        int prevT = t - config.numTrainTimesteps() / numInferenceSteps;
        float alphaProdT = (float) schedule.alphaCumprod(t);
        float alphaProdTPrev = prevT >= 0 ? (float) schedule.alphaCumprod(prevT) : finalAlphaCumprod;
        float betaProdT = 1 - alphaProdT;
        float betaProdTPrev = 1 - alphaProdTPrev;
        float sqrtAlphaProdT = (float) Math.sqrt(alphaProdT);
        float sqrtBetaProdT = (float) Math.sqrt(betaProdT);

        float variance = (betaProdTPrev / betaProdT) * (1 - alphaProdT / alphaProdTPrev);
        float stdDevT = eta * (float) Math.sqrt(variance);
        float directionCoeff = (float) Math.sqrt(1 - alphaProdTPrev - stdDevT * stdDevT);
        float sqrtAlphaProdTPrev = (float) Math.sqrt(alphaProdTPrev);
        float clip = (float) config.clipSampleRange();
        float[] z = eta > 0 ? noise.standardNormal(sample.length) : null;

        PredictionType prediction = config.predictionType();
        float[] prevSample = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            float x = sample[i];
            float out = modelOutput[i];
            float x0Pred = switch (prediction) {
                case EPSILON -> (x - sqrtBetaProdT * out) / sqrtAlphaProdT;
                case SAMPLE -> out;
                case V_PREDICTION -> sqrtAlphaProdT * x - sqrtBetaProdT * out;
            };
            // ε comes from the unclipped x0_pred, as with diffusers' default use_clipped_model_output=False.
            float epsPred = switch (prediction) {
                case EPSILON -> out;
                case SAMPLE -> (x - sqrtAlphaProdT * x0Pred) / sqrtBetaProdT;
                case V_PREDICTION -> sqrtAlphaProdT * out + sqrtBetaProdT * x;
            };
            if (config.clipSample()) {
                x0Pred = Math.max(-clip, Math.min(clip, x0Pred));
            }
            float prev = sqrtAlphaProdTPrev * x0Pred + directionCoeff * epsPred;
            prevSample[i] = z == null ? prev : prev + stdDevT * z[i];
        }
        return prevSample;
    }
}
