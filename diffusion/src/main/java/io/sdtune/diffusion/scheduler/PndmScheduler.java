package io.sdtune.diffusion.scheduler;

import io.sdtune.diffusion.scheduler.SchedulerConfig.PredictionType;
import java.util.ArrayList;
import java.util.List;

/**
 * Pseudo numerical methods (PNDM, Liu et al. 2022), diffusers' {@code PNDMScheduler}. Each step moves
 * x from timestep t to t' = t − N/n with the transfer of eq. (9), driven by a noise estimate e:
 *
 * <pre>
 *   x_t' = √(ᾱ_t'/ᾱ_t) x − (ᾱ_t' − ᾱ_t) e / (ᾱ_t √(1 − ᾱ_t') + √(ᾱ_t (1 − ᾱ_t) ᾱ_t'))
 * </pre>
 *
 * and e is a linear multistep (Adams-Bashforth) combination of the latest model outputs ε:
 * (3ε₀ − ε₁)/2, (23ε₀ − 16ε₁ + 5ε₂)/12, then (55ε₀ − 59ε₁ + 37ε₂ − 9ε₃)/24 once four are known.
 *
 * <p>With {@code skip_prk_steps} (Stable Diffusion's setting, the PLMS sampler of latent diffusion)
 * the history is started by a Heun-like step. Step 0 moves to the second timestep with ε₀; step 1
 * evaluates the model there and redoes the first move, from the original sample, with (ε₀ + ε′)/2.
 * The timestep list therefore repeats its second entry (t₀, t₁, t₁, t₂, …: n + 1 evaluations for n
 * steps), and ε′ is not kept in the history. Without {@code skip_prk_steps} the history is
 * started by three fourth-order Runge-Kutta steps (12 evaluations, at the midpoints too: n + 9 in
 * all). Past the last timestep ᾱ is ᾱ_0 unless {@code set_alpha_to_one} (PNDM's default: false).
 */
public final class PndmScheduler extends SampleInputScheduler {
    private static final String NAME = "PndmScheduler";
    /** Runge-Kutta warm-up steps (each of four evaluations) that precede the linear multistep ones. */
    private static final int RUNGE_KUTTA_STEPS = 3;
    private static final int EVALUATIONS_PER_RUNGE_KUTTA_STEP = 4;

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private final TimestepSpacing spacing;
    private final float finalAlphaCumprod;
    private int numInferenceSteps;
    private int[] timesteps;
    /** How many of the timesteps are Runge-Kutta evaluations (0 with skip_prk_steps). */
    private int rungeKuttaEvaluations;
    /** The model outputs ε of the latest multistep points, oldest first; at most four. */
    private final List<float[]> ets = new ArrayList<>();
    /** The sample a Heun-like or Runge-Kutta step started from. */
    private float[] curSample;
    /** The Runge-Kutta weighted sum of the model outputs so far in the current step. */
    private float[] curModelOutput;

    public PndmScheduler(SchedulerConfig config) {
        super(NAME);
        if (config.predictionType() == PredictionType.SAMPLE) {
            throw new IllegalArgumentException(
                    NAME + ": prediction_type must be epsilon or v_prediction, found sample");
        }
        if (config.rescaleBetasZeroSnr()) {
            // diffusers' PNDMScheduler has no such key and would sample the unrescaled schedule.
            throw new IllegalArgumentException(NAME + ": rescale_betas_zero_snr must be false, found true (PNDM "
                    + "does not rescale the schedule; use ddim, euler_a or dpmpp_2m)");
        }
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
        this.spacing = config.timestepSpacing().orElse(TimestepSpacing.LEADING);
        this.finalAlphaCumprod = config.setAlphaToOne().orElse(false) ? 1f : (float) schedule.alphaCumprod(0);
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        int trainTimesteps = config.numTrainTimesteps();
        int n = SamplingRun.checkedSteps(NAME, numInferenceSteps, trainTimesteps);
        if (!config.skipPrkSteps() && n < EVALUATIONS_PER_RUNGE_KUTTA_STEP) {
            throw new IllegalArgumentException(NAME + ": without skip_prk_steps numInferenceSteps must be at least "
                    + EVALUATIONS_PER_RUNGE_KUTTA_STEP + ", found " + n);
        }
        int[] planned = spacing.timesteps(trainTimesteps, n, config.stepsOffset());
        if (planned[0] >= trainTimesteps) {
            throw new IllegalArgumentException(NAME + ": steps_offset " + config.stepsOffset() + " with " + n
                    + " steps puts the first timestep at " + planned[0] + ", past the last training timestep "
                    + (trainTimesteps - 1));
        }
        this.numInferenceSteps = n;
        this.timesteps = config.skipPrkSteps() ? plmsTimesteps(planned) : rungeKuttaThenPlmsTimesteps(planned);
        this.rungeKuttaEvaluations = config.skipPrkSteps() ? 0 : RUNGE_KUTTA_STEPS * EVALUATIONS_PER_RUNGE_KUTTA_STEP;
        ets.clear();
        curSample = null;
        curModelOutput = null;
        float[] modelTimesteps = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            modelTimesteps[i] = timesteps[i];
        }
        run = SamplingRun.of(NAME, modelTimesteps);
    }

    /** t₀, t₁, t₁, t₂, …, t_{n−1}: the second timestep is evaluated twice (see the class comment). */
    private static int[] plmsTimesteps(int[] planned) {
        if (planned.length == 1) {
            return planned;
        }
        int[] timesteps = new int[planned.length + 1];
        timesteps[0] = planned[0];
        System.arraycopy(planned, 1, timesteps, 2, planned.length - 1);
        timesteps[1] = planned[1];
        return timesteps;
    }

    /**
     * Three Runge-Kutta steps t₀ → t₁ → t₂ → t₃, each evaluated at its start, twice at its midpoint
     * (half a step of N/n earlier) and at its end, then the linear multistep timesteps from t₃ on.
     */
    private int[] rungeKuttaThenPlmsTimesteps(int[] planned) {
        int halfStep = config.numTrainTimesteps() / numInferenceSteps / 2;
        int[] timesteps = new int[RUNGE_KUTTA_STEPS * EVALUATIONS_PER_RUNGE_KUTTA_STEP + planned.length - 3];
        int k = 0;
        for (int s = 0; s < RUNGE_KUTTA_STEPS; s++) {
            int midpoint = planned[s + 1] + halfStep;
            timesteps[k++] = planned[s];
            timesteps[k++] = midpoint;
            timesteps[k++] = midpoint;
            timesteps[k++] = planned[s + 1];
        }
        System.arraycopy(planned, 3, timesteps, k, planned.length - 3);
        return timesteps;
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        int counter = run.begin(stepIndex, modelOutput, sample);
        return counter < rungeKuttaEvaluations
                ? rungeKuttaStep(modelOutput, counter, timesteps[stepIndex], sample)
                : linearMultistepStep(modelOutput, counter, timesteps[stepIndex], sample);
    }

    /**
     * Evaluation {@code counter % 4} of a Runge-Kutta step: the first three move from the step's
     * start to its midpoint or end with one slope each (k1, k2, k3); the fourth combines
     * (k1 + 2k2 + 2k3 + k4)/6 for the move to the end.
     */
    private float[] rungeKuttaStep(float[] modelOutput, int counter, int timestep, float[] sample) {
        int phase = counter % EVALUATIONS_PER_RUNGE_KUTTA_STEP;
        int halfStep = config.numTrainTimesteps() / numInferenceSteps / 2;
        int prevTimestep = phase % 2 == 1 ? timestep : timestep - halfStep;
        int start = timesteps[counter - phase];
        float[] slope = modelOutput;
        switch (phase) {
            case 0 -> {
                curModelOutput = plusWeighted(new float[modelOutput.length], 1f / 6, modelOutput);
                ets.add(modelOutput);
                curSample = sample;
            }
            case 1, 2 -> curModelOutput = plusWeighted(curModelOutput, 1f / 3, modelOutput);
            default -> {
                slope = plusWeighted(curModelOutput, 1f / 6, modelOutput);
                curModelOutput = null;
            }
        }
        return prevSample(curSample, start, prevTimestep, slope);
    }

    /** {@code base + weight · values} elementwise, in float32. */
    private static float[] plusWeighted(float[] base, float weight, float[] values) {
        float[] sum = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            sum[i] = base[i] + weight * values[i];
        }
        return sum;
    }

    private float[] linearMultistepStep(float[] modelOutput, int counter, int timestep, float[] sample) {
        int stride = config.numTrainTimesteps() / numInferenceSteps;
        if (config.skipPrkSteps() && counter == 1) {
            // PLMS's second evaluation redoes the first move with the mean of both outputs; ε′ is not kept.
            float[] start = curSample;
            curSample = null;
            return prevSample(start, timestep + stride, timestep, average(modelOutput, ets.get(0)));
        }
        if (ets.size() > 3) {
            ets.remove(0);
        }
        ets.add(modelOutput);
        if (ets.size() == 1) {
            curSample = sample;
            return prevSample(sample, timestep, timestep - stride, modelOutput);
        }
        return prevSample(sample, timestep, timestep - stride, combineHistory());
    }

    private static float[] average(float[] a, float[] b) {
        float[] mean = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            mean[i] = (a[i] + b[i]) / 2;
        }
        return mean;
    }

    /** The Adams-Bashforth combination of the kept outputs, in float32 as diffusers evaluates it. */
    private float[] combineHistory() {
        int k = ets.size();
        float[] e0 = ets.get(k - 1);
        float[] e1 = ets.get(k - 2);
        float[] e2 = k > 2 ? ets.get(k - 3) : null;
        float[] e3 = k > 3 ? ets.get(k - 4) : null;
        float[] e = new float[e0.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = switch (k) {
                case 2 -> (3 * e0[i] - e1[i]) / 2;
                case 3 -> (23 * e0[i] - 16 * e1[i] + 5 * e2[i]) / 12;
                default -> (1f / 24) * (55 * e0[i] - 59 * e1[i] + 37 * e2[i] - 9 * e3[i]);
            };
        }
        return e;
    }

    /** Eq. (9) of the PNDM paper from {@code timestep} to {@code prevTimestep} with noise estimate e. */
    private float[] prevSample(float[] sample, int timestep, int prevTimestep, float[] modelOutput) {
        float alphaProdT = (float) schedule.alphaCumprod(timestep);
        float alphaProdTPrev = prevTimestep >= 0 ? (float) schedule.alphaCumprod(prevTimestep) : finalAlphaCumprod;
        float betaProdT = 1 - alphaProdT;
        float betaProdTPrev = 1 - alphaProdTPrev;
        boolean velocity = config.predictionType() == PredictionType.V_PREDICTION;
        float sqrtAlphaProdT = (float) Math.sqrt(alphaProdT);
        float sqrtBetaProdT = (float) Math.sqrt(betaProdT);

        float sampleCoeff = (float) Math.sqrt(alphaProdTPrev / alphaProdT);
        float modelOutputDenomCoeff = alphaProdT * (float) Math.sqrt(betaProdTPrev)
                + (float) Math.sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        float alphaProdDiff = alphaProdTPrev - alphaProdT;
        float[] prev = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            // A v-prediction is turned into ε at this step's timestep and sample.
            float eps = velocity ? sqrtAlphaProdT * modelOutput[i] + sqrtBetaProdT * sample[i] : modelOutput[i];
            prev[i] = sampleCoeff * sample[i] - alphaProdDiff * eps / modelOutputDenomCoeff;
        }
        return prev;
    }
}
