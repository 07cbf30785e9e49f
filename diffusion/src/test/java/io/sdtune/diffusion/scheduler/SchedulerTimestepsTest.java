package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Where each scheduler evaluates the model: SD 1.5's config, 50 steps, as diffusers plans them. */
class SchedulerTimestepsTest {

    private static final SchedulerConfig SD15 = SchedulerConfig.sd15();

    @Test
    void ddimAndEulerStepEveryTwentyTimestepsFrom981Down() {
        // leading: r = 1000 // 50 = 20; 0, 20, …, 980 reversed, plus steps_offset 1.
        float[] expected = arithmetic(981, -20, 50);
        assertThat(timesteps("ddim", SD15, 50)).containsExactly(expected);
        assertThat(timesteps("euler_a", SD15, 50)).containsExactly(expected);
        assertThat(expected[49]).isEqualTo(1f);
    }

    @Test
    void plmsEvaluatesItsSecondTimestepTwice() {
        // The same 50 timesteps with 961 repeated: step 1 re-evaluates the first move (a Heun-like start).
        float[] expected = new float[51];
        expected[0] = 981;
        System.arraycopy(arithmetic(961, -20, 49), 0, expected, 2, 49);
        expected[1] = 961;
        assertThat(timesteps("pndm", SD15, 50)).containsExactly(expected);
        assertThat(Arrays.copyOf(expected, 5)).containsExactly(981, 961, 961, 941, 921);
    }

    @Test
    void pndmWithRungeKuttaStepsEvaluatesMidpointsFirst() {
        SchedulerConfig prk = SchedulerConfig.parse("""
                {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
                 "steps_offset": 1, "skip_prk_steps": false}""", "pndm-prk");
        float[] timesteps = timesteps("pndm", prk, 50);

        // Three RK4 steps 981 → 961 → 941 → 921, each at start, midpoint (twice) and end; then PLMS from 921.
        assertThat(Arrays.copyOf(timesteps, 14))
                .containsExactly(981, 971, 971, 961, 961, 951, 951, 941, 941, 931, 931, 921, 921, 901);
        assertThat(timesteps).hasSize(12 + 47);
    }

    @Test
    void dpmSolverSpreadsItsStepsOverFiftyOneLeadingPoints() {
        // leading over n + 1 points: r = 1000 // 51 = 19; 50·19, …, 19 (0 dropped), plus steps_offset 1.
        assertThat(timesteps("dpmpp_2m", SD15, 50)).containsExactly(arithmetic(951, -19, 50));
    }

    @Test
    void trailingSpacingStartsAtTheNoisiestTimestep() {
        // round(1000 − 20 i) − 1 for i = 0..49: 999, 979, …, 19 for every scheduler.
        SchedulerConfig trailing = SD15.withTimestepSpacing(TimestepSpacing.TRAILING);
        float[] expected = arithmetic(999, -20, 50);
        assertThat(timesteps("ddim", trailing, 50)).containsExactly(expected);
        assertThat(timesteps("euler_a", trailing, 50)).containsExactly(expected);
        assertThat(timesteps("dpmpp_2m", trailing, 50)).containsExactly(expected);
        assertThat(Arrays.copyOf(timesteps("pndm", trailing, 50), 4)).containsExactly(999, 979, 979, 959);
    }

    @Test
    void linspaceSpacingRoundsEvenlySpacedPointsHalfToEven() {
        SchedulerConfig linspace = SD15.withTimestepSpacing(TimestepSpacing.LINSPACE);
        // round(999 i / 49), i = 49..0
        assertThat(timesteps("ddim", linspace, 50)).containsExactly(999, 979, 958, 938, 917, 897, 877, 856, 836, 816,
                795, 775, 754, 734, 714, 693, 673, 652, 632, 612, 591, 571, 550, 530, 510, 489, 469, 449, 428, 408, 387,
                367, 347, 326, 306, 285, 265, 245, 224, 204, 183, 163, 143, 122, 102, 82, 61, 41, 20, 0);
        // round(999 i / 50), i = 50..1: 499.5 rounds to 500
        assertThat(timesteps("dpmpp_2m", linspace, 50)).containsExactly(999, 979, 959, 939, 919, 899, 879, 859, 839,
                819, 799, 779, 759, 739, 719, 699, 679, 659, 639, 619, 599, 579, 559, 539, 519, 500, 480, 460, 440, 420,
                400, 380, 360, 340, 320, 300, 280, 260, 240, 220, 200, 180, 160, 140, 120, 100, 80, 60, 40, 20);
    }

    @Test
    void eulerWithLinspaceSpacingConditionsOnFractionalTimesteps() {
        SchedulerConfig linspace = SD15.withTimestepSpacing(TimestepSpacing.LINSPACE);
        float[] timesteps = timesteps("euler_a", linspace, 50);

        // 999 i / 49 in float32, unrounded
        assertThat(Arrays.copyOf(timesteps, 4)).containsExactly(new float[] {999f, 978.6122f, 958.2245f, 937.8367f},
                within(1e-4f));
        assertThat(timesteps[49]).isZero();
    }

    @Test
    void eulerStartsFromNoiseAsLargeAsItsFirstSigma() {
        // σ = √((1 − ᾱ)/ᾱ). Leading spacing starts below the noisiest timestep, and diffusers scales the
        // initial noise by √(σ_max² + 1) = 1/√ᾱ_981 = 13.158469; with linspace by σ_999 = 14.614647.
        Scheduler leading = scheduler("euler_a", SD15, 50);
        Scheduler linspace = scheduler("euler_a", SD15.withTimestepSpacing(TimestepSpacing.LINSPACE), 50);
        assertThat(leading.initNoiseSigma()).isCloseTo(13.158469f, within(2e-5f));
        assertThat(linspace.initNoiseSigma()).isCloseTo(14.614647f, within(2e-5f));
        assertThat(scheduler("ddim", SD15, 50).initNoiseSigma()).isEqualTo(1f);
        assertThat(scheduler("dpmpp_2m", SD15, 50).initNoiseSigma()).isEqualTo(1f);
        assertThat(scheduler("pndm", SD15, 50).initNoiseSigma()).isEqualTo(1f);
    }

    @Test
    void thePublishedSd15FileLeavesEulerAndDpmSolverOnTheirOwnLinspaceDefault() {
        // As diffusers' from_config: a key the file omits takes each scheduler class's own default.
        SchedulerConfig published = SchedulerConfig.parse("""
                {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
                 "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false,
                 "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null, "clip_sample": false}""",
                "published");
        assertThat(timesteps("ddim", published, 50)[0]).isEqualTo(981f);
        assertThat(timesteps("pndm", published, 50)[0]).isEqualTo(981f);
        assertThat(timesteps("euler_a", published, 50)[0]).isEqualTo(999f);
        assertThat(timesteps("dpmpp_2m", published, 50)[0]).isEqualTo(999f);
    }

    @Test
    void stepCountsThatDiffusersWouldPlanBadlyAreRefused() {
        assertThatThrownBy(() -> scheduler("ddim", SD15.withTimestepSpacing(TimestepSpacing.TRAILING), 61))
                .hasMessage("trailing spacing of 1000 training timesteps gives 62 timesteps for 61 steps in "
                        + "diffusers' arithmetic (the last one -1); choose another number of steps or spacing");
        assertThatThrownBy(() -> scheduler("ddim", SD15, 1000))
                .hasMessage("DdimScheduler: steps_offset 1 with 1000 steps puts the first timestep at 1000, past "
                        + "the last training timestep 999");
        assertThatThrownBy(() -> scheduler("euler_a", SD15, 0))
                .hasMessage("EulerAncestralScheduler: numInferenceSteps must be in [1, 1000] (the training "
                        + "timesteps), found 0");
    }

    private static Scheduler scheduler(String name, SchedulerConfig config, int steps) {
        Scheduler scheduler = Schedulers.create(name, config);
        scheduler.setTimesteps(steps);
        return scheduler;
    }

    private static float[] timesteps(String name, SchedulerConfig config, int steps) {
        return scheduler(name, config, steps).timesteps();
    }

    private static float[] arithmetic(int first, int stride, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = first + stride * i;
        }
        return values;
    }
}
