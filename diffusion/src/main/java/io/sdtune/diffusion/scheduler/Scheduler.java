package io.sdtune.diffusion.scheduler;

/**
 * A sampler that walks a latent from pure noise to a clean sample, one model evaluation per step,
 * as a txt2img loop drives it:
 *
 * <pre>{@code
 * scheduler.setTimesteps(50);
 * float[] latents = noise.standardNormal(size);
 * for (int k = 0; k < size; k++) {
 *     latents[k] *= scheduler.initNoiseSigma();
 * }
 * float[] timesteps = scheduler.timesteps();
 * for (int i = 0; i < timesteps.length; i++) {
 *     float[] input = scheduler.scaleModelInput(latents, i);
 *     float[] eps = unet(input, timesteps[i]);            // with classifier-free guidance applied
 *     latents = scheduler.step(eps, i, latents, noise);
 * }
 * }</pre>
 *
 * Samples are flat float32 arrays (any batch in NCHW order); every operation is elementwise, so the
 * layout only has to be the model's. A scheduler keeps per-run state (the model outputs of earlier
 * steps for multistep solvers), which {@link #setTimesteps} resets; one instance serves one run at
 * a time.
 */
public interface Scheduler {

    /**
     * Plans a run of {@code numInferenceSteps} steps and forgets any previous run. PNDM evaluates
     * the model a few more times than that; {@link #timesteps()} has one entry per evaluation.
     */
    void setTimesteps(int numInferenceSteps);

    /**
     * The timestep the model is conditioned on at each step, noisiest first; one per call of
     * {@link #step}. Whole numbers except for Euler with linspace spacing, which conditions the
     * model on fractional timesteps as diffusers does.
     */
    float[] timesteps();

    /** The standard deviation the initial unit Gaussian noise is scaled to (known once the run is planned). */
    float initNoiseSigma();

    /** The model's input at step {@code stepIndex}: the sample, or the sample rescaled where the sampler works in σ. */
    float[] scaleModelInput(float[] sample, int stepIndex);

    /**
     * One step back in the diffusion: from {@code sample} at step {@code stepIndex} and the model's
     * output for it, the sample for the next (less noisy) step. Stochastic samplers draw fresh
     * Gaussian noise from {@code noise}; deterministic ones never touch it.
     */
    float[] step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise);
}
