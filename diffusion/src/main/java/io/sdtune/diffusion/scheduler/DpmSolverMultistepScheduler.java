package io.sdtune.diffusion.scheduler;

import io.sdtune.diffusion.scheduler.SchedulerConfig.AlgorithmType;
import io.sdtune.diffusion.scheduler.SchedulerConfig.FinalSigmasType;
import io.sdtune.diffusion.scheduler.SchedulerConfig.SigmaSpacing;
import io.sdtune.diffusion.scheduler.SchedulerConfig.SolverType;

/**
 * DPM-Solver++ multistep (Lu et al. 2022), diffusers' {@code DPMSolverMultistepScheduler}; with the
 * defaults (order 2, midpoint) it is the "DPM++ 2M" sampler.
 *
 * <p>In the variance-preserving form x = α_t x₀ + σ_t ε, with σ = √((1 − ᾱ)/ᾱ) from the training
 * table, α_t = 1/√(σ² + 1), σ_t = σ α_t and the half log-SNR λ = log α_t − log σ_t. Each model
 * output becomes a data prediction x0_pred; a step from s0 to t with h = λ_t − λ_s0 is
 *
 * <pre>
 *   x_t = (σ_t/σ_s0) x − α_t (e^−h − 1) D0                     first order (DDIM)
 *         − ½ α_t (e^−h − 1) D1                                + second order, midpoint
 *   D0 = x0_pred(s0),  D1 = (x0_pred(s0) − x0_pred(s1)) / r0,  r0 = (λ_s0 − λ_s1) / h
 * </pre>
 *
 * and the third order adds a D2 term from one more earlier output. The first step has no history
 * and is first order; the last step is first order too when it lands on σ = 0
 * ({@code final_sigmas_type} "zero"), with {@code euler_at_final}, or for fewer than 15 steps with
 * {@code lower_order_final}. Default spacing: linspace.
 *
 * <p>Only the {@code dpmsolver++} algorithm and the training table's own (discrete) sigmas are
 * implemented; other settings are refused.
 */
public final class DpmSolverMultistepScheduler extends SampleInputScheduler {
    private static final String NAME = "DpmSolverMultistepScheduler";
    /** Below this many steps {@code lower_order_final} also lowers the last two steps' order. */
    private static final int LOWER_ORDER_FINAL_BELOW = 15;

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private final TimestepSpacing spacing;
    /** Where the spacings count down from: N, less the noisiest timesteps with λ below {@code lambda_min_clipped}. */
    private final int lastTimestep;
    private float[] sigmas;
    /** The data predictions of the latest steps, oldest first; {@code solver_order} of them. */
    private float[][] modelOutputs;

    public DpmSolverMultistepScheduler(SchedulerConfig config) {
        super(NAME);
        if (config.algorithmType() != AlgorithmType.DPMSOLVER_PLUS_PLUS) {
            throw new IllegalArgumentException(NAME + ": algorithm_type must be dpmsolver++, found "
                    + config.algorithmType().jsonName() + " (not implemented)");
        }
        if (config.sigmaSpacing() != SigmaSpacing.DISCRETE) {
            throw new IllegalArgumentException(NAME + ": " + config.sigmaSpacing().jsonKey()
                    + " must be false, found true (only the training table's sigmas are implemented)");
        }
        if (config.thresholding()) {
            throw new IllegalArgumentException(NAME + ": thresholding is not supported (expected false; dynamic "
                    + "thresholding is for pixel-space models, not latents)");
        }
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
        this.spacing = config.timestepSpacing().orElse(TimestepSpacing.LINSPACE);
        this.lastTimestep = config.numTrainTimesteps() - clippedTimesteps(schedule, config.lambdaMinClipped());
    }

    /** How many of the noisiest timesteps have λ below the clip (the cosine schedule's end needs it). */
    private static int clippedTimesteps(NoiseSchedule schedule, double lambdaMinClipped) {
        int clipped = 0;
        for (int t = 0; t < schedule.numTrainTimesteps(); t++) {
            float alphaProd = (float) schedule.alphaCumprod(t);
            float lambda = (float) Math.log((float) Math.sqrt(alphaProd))
                    - (float) Math.log((float) Math.sqrt(1 - alphaProd));
            if (lambda < lambdaMinClipped) {
                clipped++;
            }
        }
        return clipped;
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        int n = SamplingRun.checkedSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        int[] timesteps = timesteps(n);
        float[] modelTimesteps = new float[timesteps.length];
        sigmas = new float[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            modelTimesteps[i] = timesteps[i];
            sigmas[i] = (float) schedule.sigma(timesteps[i]);
        }
        sigmas[timesteps.length] = config.finalSigmasType() == FinalSigmasType.ZERO ? 0f : (float) schedule.sigma(0);
        modelOutputs = new float[config.solverOrder()][];
        run = SamplingRun.of(NAME, modelTimesteps);
    }

    /** As the other schedulers' spacings, but over n + 1 points of which the last (timestep 0) is dropped. */
    private int[] timesteps(int n) {
        int[] timesteps = new int[n];
        switch (spacing) {
            case LINSPACE -> {
                double[] points = TimestepSpacing.linspace(0, lastTimestep - 1, n + 1);
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (int) Math.rint(points[n - i]);
                }
            }
            case LEADING -> {
                int stepRatio = lastTimestep / (n + 1);
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (n - i) * stepRatio + config.stepsOffset();
                }
            }
            case TRAILING -> {
                // Counted down from the clipped end by N/n: fewer than n steps when λ is clipped.
                double[] points = TimestepSpacing.trailingPoints(lastTimestep, config.numTrainTimesteps(), n);
                if (points.length > n) {
                    throw TimestepSpacing.trailingCountError(config.numTrainTimesteps(), n, points.length);
                }
                timesteps = new int[points.length];
                for (int i = 0; i < points.length; i++) {
                    timesteps[i] = (int) Math.rint(points[i]) - 1;
                }
            }
        }
        return timesteps;
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        int stepsBefore = run.begin(stepIndex, modelOutput, sample);
        int n = run.size();
        boolean lowerOrderFinal = stepIndex == n - 1 && (config.eulerAtFinal()
                || (config.lowerOrderFinal() && n < LOWER_ORDER_FINAL_BELOW)
                || config.finalSigmasType() == FinalSigmasType.ZERO);
        boolean lowerOrderSecond = stepIndex == n - 2 && config.lowerOrderFinal() && n < LOWER_ORDER_FINAL_BELOW;

        System.arraycopy(modelOutputs, 1, modelOutputs, 0, modelOutputs.length - 1);
        modelOutputs[modelOutputs.length - 1] = dataPrediction(modelOutput, sample, sigmas[stepIndex]);

        int order = config.solverOrder();
        if (order == 1 || stepsBefore < 1 || lowerOrderFinal) {
            return firstOrderUpdate(stepIndex, sample);
        }
        if (order == 2 || stepsBefore < 2 || lowerOrderSecond) {
            return secondOrderUpdate(stepIndex, sample);
        }
        return thirdOrderUpdate(stepIndex, sample);
    }

    /** x0_pred from the model's output at noise level σ. */
    private float[] dataPrediction(float[] modelOutput, float[] sample, float sigma) {
        float alphaT = alpha(sigma);
        float sigmaT = sigma * alphaT;
        float[] x0Pred = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            x0Pred[i] = switch (config.predictionType()) {
                case EPSILON -> (sample[i] - sigmaT * modelOutput[i]) / alphaT;
                case SAMPLE -> modelOutput[i];
                case V_PREDICTION -> alphaT * sample[i] - sigmaT * modelOutput[i];
            };
        }
        return x0Pred;
    }

    private float[] firstOrderUpdate(int stepIndex, float[] sample) {
        Step c = Step.between(sigmas[stepIndex], sigmas[stepIndex + 1]);
        float[] d0 = latest(0);
        float[] prevSample = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            prevSample[i] = c.sampleCoeff() * sample[i] - c.d0Coeff() * d0[i];
        }
        return prevSample;
    }

    private float[] secondOrderUpdate(int stepIndex, float[] sample) {
        Step c = Step.between(sigmas[stepIndex], sigmas[stepIndex + 1]);
        float h0 = c.lambdaS0() - lambda(sigmas[stepIndex - 1]);
        float inverseR0 = 1f / (h0 / c.h());
        // Midpoint subtracts ½ α_t (e^−h − 1) D1; Heun adds α_t ((e^−h − 1)/h + 1) D1.
        float d1Coeff = config.solverType() == SolverType.MIDPOINT ? -(0.5f * c.d0Coeff()) : c.taylorCoeff();
        float[] m0 = latest(0);
        float[] m1 = latest(1);
        float[] prevSample = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            float d1 = inverseR0 * (m0[i] - m1[i]);
            prevSample[i] = c.sampleCoeff() * sample[i] - c.d0Coeff() * m0[i] + d1Coeff * d1;
        }
        return prevSample;
    }

    private float[] thirdOrderUpdate(int stepIndex, float[] sample) {
        Step c = Step.between(sigmas[stepIndex], sigmas[stepIndex + 1]);
        float lambdaS1 = lambda(sigmas[stepIndex - 1]);
        float lambdaS2 = lambda(sigmas[stepIndex - 2]);
        float r0 = (c.lambdaS0() - lambdaS1) / c.h();
        float r1 = (lambdaS1 - lambdaS2) / c.h();
        float inverseR0 = 1f / r0;
        float inverseR1 = 1f / r1;
        float d1Weight = r0 / (r0 + r1);
        float inverseR0PlusR1 = 1f / (r0 + r1);
        float d2Coeff = c.alphaT() * ((c.expMinusH() - 1 + c.h()) / (c.h() * c.h()) - 0.5f);
        float[] m0 = latest(0);
        float[] m1 = latest(1);
        float[] m2 = latest(2);
        float[] prevSample = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            float d1Near = inverseR0 * (m0[i] - m1[i]);
            float d1Far = inverseR1 * (m1[i] - m2[i]);
            float d1 = d1Near + d1Weight * (d1Near - d1Far);
            float d2 = inverseR0PlusR1 * (d1Near - d1Far);
            prevSample[i] = c.sampleCoeff() * sample[i] - c.d0Coeff() * m0[i] + c.taylorCoeff() * d1 - d2Coeff * d2;
        }
        return prevSample;
    }

    /** The data prediction {@code back} steps ago (0: this step's). */
    private float[] latest(int back) {
        return modelOutputs[modelOutputs.length - 1 - back];
    }

    /** α_t of the variance-preserving pair at table noise level σ. */
    private static float alpha(float sigma) {
        return 1f / (float) Math.sqrt(sigma * sigma + 1);
    }

    /** λ = log α_t − log σ_t at table noise level σ. */
    private static float lambda(float sigma) {
        float alphaT = alpha(sigma);
        return (float) Math.log(alphaT) - (float) Math.log(sigma * alphaT);
    }

    /**
     * The scalars of a step from table noise level σ_s0 to σ_t, in float32 as diffusers computes
     * them. σ_t = 0 gives λ_t = +∞ and e^−h = 0, so the step returns D0.
     *
     * @param sampleCoeff σ_t / σ_s0 of the VP pair
     * @param d0Coeff α_t (e^−h − 1)
     * @param taylorCoeff α_t ((e^−h − 1)/h + 1), the weight of D1 in Heun and third-order steps
     */
    private record Step(float alphaT, float lambdaS0, float h, float expMinusH, float sampleCoeff, float d0Coeff,
            float taylorCoeff) {

        static Step between(float levelS0, float levelT) {
            float alphaT = alpha(levelT);
            float sigmaT = levelT * alphaT;
            float alphaS0 = alpha(levelS0);
            float sigmaS0 = levelS0 * alphaS0;
            float lambdaS0 = (float) Math.log(alphaS0) - (float) Math.log(sigmaS0);
            float h = (float) Math.log(alphaT) - (float) Math.log(sigmaT) - lambdaS0;
            float expMinusH = (float) Math.exp(-h);
            return new Step(alphaT, lambdaS0, h, expMinusH, sigmaT / sigmaS0, alphaT * (expMinusH - 1),
                    alphaT * ((expMinusH - 1) / h + 1));
        }
    }
}
