package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * One DDIM step on SD 1.5's schedule with 50 steps (timesteps 981, 961, …, 1), against eq. (12):
 * x0_pred = (x − √(1 − ᾱ_t) ε)/√ᾱ_t, then x_s = √ᾱ_s x0_pred + √(1 − ᾱ_s − σ²) ε + σ z.
 * ᾱ_981 = 0.0057754959, ᾱ_961 = 0.0072817220, ᾱ_1 = 0.9982960, ᾱ_0 = 0.9991500 (diffusers' float32 table).
 */
class DdimSchedulerTest {

    private static final float[] SAMPLE = {1f, -2f};
    private static final float[] EPSILON = {0.5f, 0.25f};
    /** Deterministic steps must not draw noise. */
    private static final NoiseSource NO_NOISE = count -> {
        throw new AssertionError("drew noise");
    };

    @Test
    void aDeterministicStepRemovesThePredictedNoise() {
        // √ᾱ_981 = 0.0759967, √(1 − ᾱ_981) = 0.9971081:
        //   x0_pred = [(1 − 0.4985540)/0.0759967, …] = [6.5982612, −29.597042]
        // √ᾱ_961 = 0.0853330, √(1 − ᾱ_961) = 0.9963525: x_961 = [0.0853330·6.5982612 + 0.9963525·0.5, …]
        Scheduler ddim = planned(SchedulerConfig.sd15(), 0);

        float[] prev = ddim.step(EPSILON, 0, SAMPLE, NO_NOISE);

        assertThat(prev).containsExactly(new float[] {1.0612257f, -2.2765164f}, within(1e-6f));
    }

    @Test
    void theLastStepLandsOnTheFirstTrainingTimestepWithoutSetAlphaToOne() {
        // t = 1 steps back to 1 − 20 < 0; set_alpha_to_one false takes ᾱ_0 = 0.99915 instead of 1:
        // x0_pred = (x − √(1 − 0.998296) ε)/√0.998296, x = √0.99915 x0_pred + √(1 − 0.99915) ε
        Scheduler ddim = planned(SchedulerConfig.sd15(), 0);

        float[] last = ddim.step(EPSILON, 49, SAMPLE, NO_NOISE);

        assertThat(last).containsExactly(new float[] {0.99435672f, -2.0038907f}, within(1e-6f));
    }

    @Test
    void aVPredictionIsTurnedIntoSampleAndNoiseEstimates() {
        // x0_pred = √ᾱ_t x − √(1 − ᾱ_t) v = [0.0759967 − 0.4985540, …]; eps_pred = √ᾱ_t v + √(1 − ᾱ_t) x
        SchedulerConfig vPrediction = SchedulerConfig.parse("""
                {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "steps_offset": 1,
                 "set_alpha_to_one": false, "clip_sample": false, "prediction_type": "v_prediction"}""", "v");
        Scheduler ddim = planned(vPrediction, 0);

        assertThat(ddim.step(EPSILON, 0, SAMPLE, NO_NOISE))
                .containsExactly(new float[] {0.99527276f, -2.0022539f}, within(1e-6f));
    }

    @Test
    void etaOneAddsDdpmsPosteriorNoise() {
        // σ = √((1 − ᾱ_961)/(1 − ᾱ_981)) √(1 − ᾱ_981/ᾱ_961) = 0.45446330; with z = [1, −1]:
        // x = 0.0853330 x0_pred + √(1 − ᾱ_961 − σ²) ε + σ z
        Scheduler ddim = planned(SchedulerConfig.sd15(), 1);
        NoiseSource z = count -> new float[] {1f, -1f};

        assertThat(ddim.step(EPSILON, 0, SAMPLE, z))
                .containsExactly(new float[] {1.4608471f, -2.7584007f}, within(1e-6f));
    }

    @Test
    void clipSampleBoundsTheEstimateOfTheCleanSample() {
        // x0_pred = [6.598, −29.597] is clamped to [1, −1] (diffusers' default clip_sample, range 1), while
        // ε stays the model's: x = [0.0853330·1 + 0.9963525·0.5, 0.0853330·(−1) + 0.9963525·0.25]
        SchedulerConfig clipped = SchedulerConfig.parse("""
                {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "steps_offset": 1,
                 "set_alpha_to_one": false}""", "clipped");
        Scheduler ddim = planned(clipped, 0);

        assertThat(ddim.step(EPSILON, 0, SAMPLE, NO_NOISE))
                .containsExactly(new float[] {0.58350925f, 0.16375511f}, within(1e-6f));
    }

    @Test
    void theSampleIsTheModelInputAsItIs() {
        assertThat(planned(SchedulerConfig.sd15(), 0).scaleModelInput(SAMPLE, 0)).containsExactly(SAMPLE);
    }

    private static Scheduler planned(SchedulerConfig config, double eta) {
        Scheduler ddim = new DdimScheduler(config, eta);
        ddim.setTimesteps(50);
        return ddim;
    }
}
