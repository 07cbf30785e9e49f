package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Euler ancestral on SD 1.5's schedule with 50 leading steps: σ_981 = 13.120416, σ_961 = 11.676050,
 * σ_1 = 0.041314478 (σ = √((1 − ᾱ)/ᾱ) from diffusers' float32 table).
 */
class EulerAncestralSchedulerTest {

    private static final float[] SAMPLE = {10f, -5f};
    private static final float[] EPSILON = {0.5f, 0.25f};

    @Test
    void theModelSeesTheSampleDividedBySqrtOfSigmaSquaredPlusOne() {
        // 1/√(σ_981² + 1) = √ᾱ_981 = 0.07599668: [0.7599668, −0.3799834]
        assertThat(planned().scaleModelInput(SAMPLE, 0))
                .containsExactly(new float[] {0.7599668f, -0.3799834f}, within(1e-6f));
    }

    @Test
    void aStepGoesDownToSigmaDownAndAddsFreshNoiseOfSigmaUp() {
        // σ_up = √(σ_961² (σ_981² − σ_961²) / σ_981²) = 5.3257622, σ_down = √(σ_961² − σ_up²) = 10.390689.
        // For ε-prediction x0_pred = x − σ ε, so the derivative (x − x0_pred)/σ is ε and
        //   x_next = x + ε (σ_down − σ) + σ_up z
        //          = [10 + 0.5·(−2.729727) + 5.3257622, −5 + 0.25·(−2.729727) − 5.3257622]
        NoiseSource z = count -> new float[] {1f, -1f};

        float[] next = planned().step(EPSILON, 0, SAMPLE, z);

        assertThat(next).containsExactly(new float[] {13.960899f, -11.008194f}, within(2e-6f));
    }

    @Test
    void theLastStepReturnsTheEstimateOfTheCleanSample() {
        // σ_next = 0 gives σ_up = σ_down = 0: x_next = x − σ_1 ε = [10 − 0.0206572, −5 − 0.0103286].
        // Noise is still drawn, as diffusers draws it, so a seeded stream stays in step.
        int[] drawn = {0};
        NoiseSource counting = count -> {
            drawn[0] += count;
            return new float[count];
        };

        float[] last = planned().step(EPSILON, 49, SAMPLE, counting);

        assertThat(last).containsExactly(new float[] {9.9793428f, -5.0103286f}, within(1e-6f));
        assertThat(drawn[0]).isEqualTo(2);
    }

    @Test
    void aVPredictionIsConvertedWithTheKarrasScalings() {
        // x0_pred = v · (−σ/√(σ² + 1)) + x/(σ² + 1); at σ_1: −σ/√(σ² + 1) = −0.0412793, 1/(σ² + 1) = 0.9982960.
        //   x0_pred = [0.5·(−0.0412793) + 10·0.9982960, 0.25·(−0.0412793) − 5·0.9982960]; the last step returns it.
        Scheduler euler = new EulerAncestralScheduler(SchedulerConfig.parse("""
                {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "steps_offset": 1,
                 "timestep_spacing": "leading", "prediction_type": "v_prediction"}""", "v"));
        euler.setTimesteps(50);

        assertThat(euler.step(EPSILON, 49, SAMPLE, count -> new float[count]))
                .containsExactly(new float[] {9.9623206f, -5.0017999f}, within(2e-6f));
    }

    @Test
    void theSameSeedGivesTheSameTrajectoryAndAnotherSeedAnother() {
        float[] first = trajectory(new SeededNoise(42));
        float[] again = trajectory(new SeededNoise(42));
        float[] other = trajectory(new SeededNoise(43));

        assertThat(again).containsExactly(first);
        assertThat(Arrays.equals(first, other)).isFalse();
    }

    @Test
    void seededNoiseIsStandardNormalWhateverTheSizeOfTheDraws() {
        float[] whole = new SeededNoise(7).standardNormal(100_001);
        SeededNoise pieces = new SeededNoise(7);
        float[] joined = new float[whole.length];
        System.arraycopy(pieces.standardNormal(3), 0, joined, 0, 3);
        System.arraycopy(pieces.standardNormal(whole.length - 3), 0, joined, 3, whole.length - 3);
        assertThat(joined).containsExactly(whole);

        double mean = 0;
        double meanSquare = 0;
        for (float v : whole) {
            mean += v / (double) whole.length;
            meanSquare += v * (double) v / whole.length;
        }
        assertThat(mean).isCloseTo(0, within(0.01));
        assertThat(meanSquare).isCloseTo(1, within(0.02));
    }

    @Test
    void sampleIsNotAPredictionThisSchedulerTakes() {
        assertThatThrownBy(() -> new EulerAncestralScheduler(
                SchedulerConfig.parse("{\"prediction_type\": \"sample\"}", "sample")))
                .hasMessage("EulerAncestralScheduler: prediction_type must be epsilon or v_prediction, found sample "
                        + "(diffusers does not implement it for this scheduler)");
    }

    /** 20 steps with a model that predicts a fixed fraction of the sample as noise. */
    private static float[] trajectory(NoiseSource noise) {
        Scheduler euler = Schedulers.create("euler_a", SchedulerConfig.sd15());
        euler.setTimesteps(20);
        float[] x = noise.standardNormal(16);
        for (int i = 0; i < x.length; i++) {
            x[i] *= euler.initNoiseSigma();
        }
        for (int step = 0; step < euler.timesteps().length; step++) {
            float[] input = euler.scaleModelInput(x, step);
            float[] eps = new float[input.length];
            for (int i = 0; i < eps.length; i++) {
                eps[i] = 0.9f * input[i];
            }
            x = euler.step(eps, step, x, noise);
        }
        return x;
    }

    private static Scheduler planned() {
        Scheduler euler = new EulerAncestralScheduler(SchedulerConfig.sd15());
        euler.setTimesteps(50);
        return euler;
    }
}
