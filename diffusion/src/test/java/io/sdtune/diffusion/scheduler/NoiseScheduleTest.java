package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

    private static final NoiseSchedule SD15 = NoiseSchedule.of(SchedulerConfig.sd15());

    @Test
    void scaledLinearBetasAreLinearInTheirSquareRootAndEndWhereTheConfigSays() {
        // β_t = (√0.00085 + (√0.012 − √0.00085) t/999)²: the ends are the config's values, in float32.
        assertThat(SD15.numTrainTimesteps()).isEqualTo(1000);
        assertThat(SD15.beta(0)).isCloseTo(0.00085, within(1e-10));
        assertThat(SD15.beta(999)).isCloseTo(0.012, within(1e-9));
        double midRoot = (Math.sqrt(0.00085) + Math.sqrt(0.012)) / 2; // t = 499.5 lies between 499 and 500
        assertThat(SD15.beta(499)).isLessThan(midRoot * midRoot);
        assertThat(SD15.beta(500)).isGreaterThan(midRoot * midRoot);
    }

    @Test
    void alphasCumprodIsTheRunningProductOfOneMinusBeta() {
        // ᾱ_0 = 1 − β_0 = 0.99915. ᾱ_999 = ∏_{t<1000} (1 − β_t) = 0.0046600985 in float64 (a throwaway
        // script over the formula above); diffusers' float32 table holds 0.0046600951.
        assertThat(SD15.alphaCumprod(0)).isCloseTo(0.99915, within(1e-7));
        assertThat(SD15.alphaCumprod(999)).isCloseTo(0.0046600985, withinPercentage(1e-4));
        assertThat(SD15.alphaCumprod(500)).isCloseTo(0.27633268, withinPercentage(1e-4));
        double[] table = SD15.alphasCumprod();
        for (int t = 1; t < table.length; t++) {
            assertThat(table[t]).isLessThan(table[t - 1]);
        }
    }

    @Test
    void linearAndCosineSchedulesFollowTheirFormulas() {
        // diffusers' defaults: linear from 1e-4 to 0.02; ∏(1 − β_t) = 4.0358298e-5.
        NoiseSchedule linear = NoiseSchedule.of(SchedulerConfig.parse("{}", "defaults"));
        assertThat(linear.beta(0)).isCloseTo(1e-4, within(1e-11));
        assertThat(linear.beta(999)).isCloseTo(0.02, within(1e-9));
        assertThat(linear.alphaCumprod(999)).isCloseTo(4.0358298e-5, withinPercentage(1e-4));

        // Improved DDPM: ᾱ(t) = cos²((t + 0.008)/1.008 · π/2), β_i = 1 − ᾱ((i+1)/N) / ᾱ(i/N), capped at 0.999.
        NoiseSchedule cosine = NoiseSchedule.of(
                SchedulerConfig.parse("{\"beta_schedule\": \"squaredcos_cap_v2\"}", "cosine"));
        assertThat(cosine.beta(0)).isCloseTo(4.1284225e-5, withinPercentage(1e-4));
        assertThat(cosine.beta(998)).isCloseTo(0.74999939, withinPercentage(1e-4));
        assertThat(cosine.beta(999)).isCloseTo(0.999, within(1e-7));
    }

    @Test
    void addNoiseMixesSampleAndNoiseBySquareRootsOfAlphaCumprod() {
        // t = 500: ᾱ = 0.27633268, √ᾱ = 0.52567355, √(1 − ᾱ) = 0.85068638
        //   x_t = [0.5257·1 + 0.8507·0.5, 0.5257·(−1) + 0.8507·2] = [0.95101674, 1.17569921]
        float[] x0 = {1f, -1f};
        float[] noise = {0.5f, 2f};
        assertThat(SD15.addNoise(x0, noise, 500)).containsExactly(new float[] {0.95101674f, 1.17569921f},
                within(1e-6f));
    }

    @Test
    void aBatchIsNoisedItemByItemToItsOwnTimestep() {
        float[] x0 = {1f, 2f, 1f, 2f};
        float[] noise = {0f, 0f, 1f, 1f};
        float[] noisy = SD15.addNoise(x0, noise, new int[] {0, 999});

        float sqrtAlphaProd0 = (float) Math.sqrt(SD15.alphaCumprod(0));
        assertThat(noisy[0]).isEqualTo(sqrtAlphaProd0);
        assertThat(noisy[1]).isEqualTo(2 * sqrtAlphaProd0);
        // At t = 999 almost all of x_t is noise: √ᾱ = 0.0682649, √(1 − ᾱ) = 0.9976672.
        assertThat(noisy[2]).isCloseTo(1.0659321f, within(1e-6f));
        assertThat(noisy[3]).isCloseTo(1.1341970f, within(1e-6f));
    }

    @Test
    void velocityIsTheVPredictionTargetFromWhichSampleAndNoiseAreRecovered() {
        // v = √ᾱ ε − √(1 − ᾱ) x₀ at t = 500: [0.5257·0.5 − 0.8507·1, 0.5257·2 + 0.8507·1]
        float[] x0 = {1f, -1f};
        float[] noise = {0.5f, 2f};
        float[] v = SD15.velocity(x0, noise, 500);
        assertThat(v).containsExactly(new float[] {-0.58784960f, 1.90203348f}, within(1e-6f));

        // A v-prediction model is trained so that x₀ = √ᾱ x_t − √(1 − ᾱ) v and ε = √ᾱ v + √(1 − ᾱ) x_t.
        float[] xt = SD15.addNoise(x0, noise, 500);
        double a = Math.sqrt(SD15.alphaCumprod(500));
        double s = Math.sqrt(1 - SD15.alphaCumprod(500));
        for (int i = 0; i < 2; i++) {
            assertThat(a * xt[i] - s * v[i]).isCloseTo(x0[i], within(1e-6));
            assertThat(a * v[i] + s * xt[i]).isCloseTo(noise[i], within(1e-6));
        }
        assertThat(SD15.velocity(new float[] {1f, 1f}, new float[] {0f, 0f}, new int[] {0, 999}))
                .containsExactly(new float[] {(float) -Math.sqrt(1 - 0.99915), -0.9976672f}, within(1e-6f));
    }

    @Test
    void snrFallsFromAboutAThousandToAlmostNothing() {
        // SNR = ᾱ/(1 − ᾱ). At t = 0 ᾱ is float32 0.99914998 (as in diffusers), so 1 − ᾱ = 0.00085002 and
        // SNR = 1175.44 rather than 0.99915/0.00085 = 1175.47. At t = 999: 0.0046600985/0.9953399 = 0.0046819.
        assertThat(SD15.snr(0)).isCloseTo(1175.44, within(0.01));
        assertThat(SD15.snr(999)).isCloseTo(0.0046819167, withinPercentage(1e-4));
        assertThat(SD15.snr(500)).isLessThan(SD15.snr(499));
    }

    @Test
    void sigmaIsTheNoiseLevelOfTheKarrasViewInterpolatedBetweenTimesteps() {
        // σ = √((1 − ᾱ)/ᾱ): 13.120411 at t = 981 (float64 math; float32 table 13.120416).
        assertThat(SD15.sigma(981)).isCloseTo(13.120411, withinPercentage(1e-4));
        assertThat(SD15.sigma(980.25)).isCloseTo(0.75 * SD15.sigma(980) + 0.25 * SD15.sigma(981), within(1e-12));
        assertThat(SD15.sigma(-3)).isEqualTo(SD15.sigma(0));
        assertThat(SD15.sigma(1200)).isEqualTo(SD15.sigma(999));
    }

    @Test
    void zeroTerminalSnrRescalingEndsAtPureNoiseAndKeepsTheFirstTimestep() {
        NoiseSchedule rescaled = NoiseSchedule.of(SchedulerConfig.parse("""
                {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
                 "rescale_betas_zero_snr": true}""", "zero-snr"));
        assertThat(rescaled.alphaCumprod(999)).isZero();
        assertThat(rescaled.snr(999)).isZero();
        assertThat(rescaled.alphaCumprod(0)).isCloseTo(SD15.alphaCumprod(0), within(1e-6));
        // σ would be infinite at ᾱ = 0; diffusers uses ᾱ = 2⁻²⁴ there: σ = √(2²⁴ − 1) ≈ 4096.
        assertThat(rescaled.sigma(999)).isCloseTo(4096, within(1e-3));
    }

    @Test
    void batchesThatDoNotFitTheirTimestepsAreRefused() {
        assertThatThrownBy(() -> SD15.addNoise(new float[6], new float[6], new int[] {1, 2, 3, 4}))
                .hasMessage("expected one timestep per batch item, found 4 timesteps for 6 values");
        assertThatThrownBy(() -> SD15.velocity(new float[4], new float[2], 10))
                .hasMessage("x0 has 4 values but noise has 2");
        assertThatThrownBy(() -> SD15.addNoise(new float[2], new float[2], 1000))
                .hasMessage("timestep must be in [0, 999], found 1000");
    }
}
