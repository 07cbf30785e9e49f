package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * PLMS, PNDM with {@code skip_prk_steps}, on SD 1.5's schedule with 50 steps: timesteps 981, 961, 961,
 * 941, …, 1. The transfer of eq. (9) with noise estimate e equals a DDIM step with ε = e:
 * x_s = √ᾱ_s (x − √(1 − ᾱ_t) e)/√ᾱ_t + √(1 − ᾱ_s) e. ᾱ_981 = 0.0057754959, ᾱ_961 = 0.0072817220,
 * ᾱ_941 = 0.0091173025.
 */
class PndmSchedulerTest {

    private static final float[] SAMPLE = {1f, -2f};
    private static final float[] EPSILON_0 = {0.5f, 0.25f};
    private static final float[] EPSILON_1 = {0.3f, -0.1f};
    private static final float[] EPSILON_2 = {0.2f, 0.4f};
    private static final NoiseSource NO_NOISE = count -> {
        throw new AssertionError("drew noise");
    };

    @Test
    void plmsStartsWithAHeunLikeStepThenUsesItsHistory() {
        Scheduler plms = planned(SchedulerConfig.sd15());

        // Step 0, 981 → 961 with ε0: the DDIM step.
        float[] first = plms.step(EPSILON_0, 0, SAMPLE, NO_NOISE);
        assertThat(first).containsExactly(new float[] {1.0612257f, -2.2765164f}, within(1e-6f));

        // Step 1 evaluates the model at 961 and redoes 981 → 961 from the original sample with
        // e = (ε0 + ε1)/2 = [0.4, 0.075]; the sample passed in is not used.
        float[] redone = plms.step(EPSILON_1, 1, first, NO_NOISE);
        assertThat(redone).containsExactly(new float[] {1.0735509f, -2.2549473f}, within(1e-6f));

        // Step 2, 961 → 941: two outputs are kept (ε0 and ε2; ε1 only served the redo), so
        // e = (3 ε2 − ε0)/2 = [0.05, 0.475] (second-order Adams-Bashforth).
        float[] second = plms.step(EPSILON_2, 2, redone, NO_NOISE);
        assertThat(second).containsExactly(new float[] {1.1952923f, -2.5799446f}, within(1e-6f));
    }

    @Test
    void withAConstantNoiseEstimateEveryVariantRetracesDdim() {
        // Any Adams-Bashforth or Runge-Kutta combination of equal outputs is that output, and eq. (9)
        // is a DDIM step, so PLMS and PNDM end where 50 DDIM steps do.
        float[] ddim = constantEpsilonRun(new DdimScheduler(SchedulerConfig.sd15()));
        float[] plms = constantEpsilonRun(new PndmScheduler(SchedulerConfig.sd15()));
        float[] rungeKutta = constantEpsilonRun(new PndmScheduler(SchedulerConfig.parse("""
                {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
                 "steps_offset": 1, "skip_prk_steps": false}""", "pndm-prk")));

        assertThat(plms).containsExactly(ddim, within(1e-5f));
        assertThat(rungeKutta).containsExactly(ddim, within(1e-5f));
    }

    @Test
    void pndmDoesNotRescaleToZeroTerminalSnr() {
        assertThatThrownBy(() -> new PndmScheduler(SchedulerConfig.parse("{\"rescale_betas_zero_snr\": true}", "zsnr")))
                .hasMessage("PndmScheduler: rescale_betas_zero_snr must be false, found true (PNDM does not rescale "
                        + "the schedule; use ddim, euler_a or dpmpp_2m)");
    }

    private static float[] constantEpsilonRun(Scheduler scheduler) {
        scheduler.setTimesteps(50);
        float[] x = SAMPLE;
        for (int step = 0; step < scheduler.timesteps().length; step++) {
            x = scheduler.step(EPSILON_0, step, x, NO_NOISE);
        }
        return x;
    }

    private static Scheduler planned(SchedulerConfig config) {
        Scheduler plms = new PndmScheduler(config);
        plms.setTimesteps(50);
        return plms;
    }
}
