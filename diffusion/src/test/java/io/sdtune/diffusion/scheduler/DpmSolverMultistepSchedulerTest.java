package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * DPM-Solver++ 2M on SD 1.5's schedule with 50 leading steps (timesteps 951, 932, 913, …, 20). With
 * σ = √((1 − ᾱ)/ᾱ) the VP pair is α_t = √ᾱ, σ_t = √(1 − ᾱ), and λ = ½ log(ᾱ/(1 − ᾱ)):
 * λ_951 = −2.4004679, λ_932 = −2.2942681, λ_913 = −2.1909384.
 */
class DpmSolverMultistepSchedulerTest {

    private static final float[] SAMPLE = {1f, -2f};
    private static final float[] EPSILON = {0.5f, 0.25f};
    private static final NoiseSource NO_NOISE = count -> {
        throw new AssertionError("drew noise");
    };

    @Test
    void theFirstStepIsFirstOrderForLackOfHistory() {
        // x0_pred = (x − √(1 − ᾱ_951) ε)/√ᾱ_951 = [5.5594126, −24.904244]
        // h = λ_932 − λ_951 = 0.10619975
        // x = (σ_932/σ_951) x − α_932 (e^−h − 1) x0_pred
        //   = (0.9949546/0.9959142) x − 0.1003264·(−0.1007550) x0_pred = 0.9990365 x + 0.0101084 x0_pred
        Scheduler dpm = planned(SchedulerConfig.sd15());

        assertThat(dpm.step(EPSILON, 0, SAMPLE, NO_NOISE))
                .containsExactly(new float[] {1.0552332f, -2.2498147f}, within(1e-6f));
    }

    @Test
    void theSecondStepCorrectsWithTheDifferenceOfTheLastTwoPredictions() {
        // Step 1 from the first step's result x = [1.0552332, −2.2498147] with ε = [0.3, −0.1]:
        //   D0 = x0_pred(932) = [7.5428477, −21.433233], previous x0_pred(951) = [5.5594126, −24.904244]
        //   h = λ_913 − λ_932 = 0.1033297, h0 = λ_932 − λ_951 = 0.1061997, r0 = h0/h = 1.0277751
        //   D1 = (D0 − x0_pred(951))/r0
        //   x = (σ_913/σ_932) x − α_913 (e^−h − 1) D0 − ½ α_913 (e^−h − 1) D1   (midpoint)
        Scheduler dpm = planned(SchedulerConfig.sd15());
        dpm.step(EPSILON, 0, SAMPLE, NO_NOISE);

        float[] second = dpm.step(new float[] {0.3f, -0.1f}, 1, new float[] {1.0552332f, -2.2498147f}, NO_NOISE);

        assertThat(second).containsExactly(new float[] {1.1468243f, -2.4626069f}, within(1e-6f));
    }

    @Test
    void theLastStepLandsOnSigmaZeroAndReturnsTheCleanEstimate() {
        // final_sigmas_type "zero": x = x0_pred(20) = (x − √(1 − ᾱ_20) ε)/√ᾱ_20, ᾱ_20 = 0.9813143
        Scheduler dpm = planned(SchedulerConfig.sd15());

        assertThat(dpm.step(EPSILON, 49, SAMPLE, NO_NOISE))
                .containsExactly(new float[] {0.94048038f, -2.0534494f}, within(1e-6f));
    }

    @Test
    void onlyTheDpmSolverPlusPlusAlgorithmOnTheTrainingSigmasIsImplemented() {
        assertThatThrownBy(() -> new DpmSolverMultistepScheduler(
                SchedulerConfig.parse("{\"use_karras_sigmas\": true}", "karras")))
                .hasMessage("DpmSolverMultistepScheduler: use_karras_sigmas must be false, found true (only the "
                        + "training table's sigmas are implemented)");
        assertThatThrownBy(() -> new DpmSolverMultistepScheduler(
                SchedulerConfig.parse("{\"algorithm_type\": \"sde-dpmsolver++\"}", "sde")))
                .hasMessage("DpmSolverMultistepScheduler: algorithm_type must be dpmsolver++, found sde-dpmsolver++ "
                        + "(not implemented)");
    }

    private static Scheduler planned(SchedulerConfig config) {
        Scheduler dpm = new DpmSolverMultistepScheduler(config);
        dpm.setTimesteps(50);
        return dpm;
    }
}
