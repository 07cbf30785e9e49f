package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SchedulersTest {

    /** SD 1.5 with set_alpha_to_one, so DDIM and PNDM also end at ᾱ = 1 (a clean sample). */
    private static final SchedulerConfig CLEAN_END = SchedulerConfig.parse("""
            {"_class_name": "PNDMScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085,
             "beta_end": 0.012, "steps_offset": 1, "skip_prk_steps": true, "clip_sample": false,
             "set_alpha_to_one": true, "timestep_spacing": "leading"}""", "clean-end");

    @Test
    void schedulersAreCreatedByName() {
        SchedulerConfig sd15 = SchedulerConfig.sd15();
        assertThat(Schedulers.names()).containsExactly("ddim", "euler_a", "dpmpp_2m", "pndm");
        assertThat(Schedulers.create("ddim", sd15)).isInstanceOf(DdimScheduler.class);
        assertThat(Schedulers.create("euler_a", sd15)).isInstanceOf(EulerAncestralScheduler.class);
        assertThat(Schedulers.create("dpmpp_2m", sd15)).isInstanceOf(DpmSolverMultistepScheduler.class);
        assertThat(Schedulers.create("pndm", sd15)).isInstanceOf(PndmScheduler.class);
    }

    @Test
    void anUnknownNameListsTheValidOnes() {
        assertThatThrownBy(() -> Schedulers.create("lms", SchedulerConfig.sd15()))
                .hasMessage("unknown scheduler 'lms' (expected one of ddim, euler_a, dpmpp_2m, pndm)");
    }

    @Test
    void theModelsOwnSchedulerComesFromItsClassName() {
        assertThat(Schedulers.defaultName(SchedulerConfig.sd15())).isEqualTo("pndm");
        assertThatThrownBy(() -> Schedulers.defaultName(
                SchedulerConfig.parse("{\"_class_name\": \"LMSDiscreteScheduler\"}", "lms")))
                .hasMessage("the model's scheduler LMSDiscreteScheduler is not implemented (expected one of "
                        + "DDIMScheduler, EulerAncestralDiscreteScheduler, DPMSolverMultistepScheduler, "
                        + "PNDMScheduler); name a scheduler instead (one of ddim, euler_a, dpmpp_2m, pndm)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ddim", "euler_a", "dpmpp_2m", "pndm"})
    void everySamplerLandsOnTheCleanSampleWhenTheModelKnowsIt(String name) {
        // A perfect ε-prediction model: its input is √ᾱ_t x₀ + √(1 − ᾱ_t) ε (Euler's scaled input too),
        // so ε = (input − √ᾱ_t x₀)/√(1 − ᾱ_t). Whatever noise the run starts from, it must end at x₀.
        NoiseSchedule schedule = NoiseSchedule.of(CLEAN_END);
        float[] x0 = {0.8f, -0.3f, 0.05f, -1.2f, 0.6f, 0.0f, 1.5f, -0.7f};
        SeededNoise noise = new SeededNoise(2024);
        Scheduler scheduler = Schedulers.create(name, CLEAN_END);
        scheduler.setTimesteps(50);

        float[] x = noise.standardNormal(x0.length);
        for (int i = 0; i < x.length; i++) {
            x[i] *= scheduler.initNoiseSigma();
        }
        float[] timesteps = scheduler.timesteps();
        for (int step = 0; step < timesteps.length; step++) {
            float[] input = scheduler.scaleModelInput(x, step);
            double alphaProd = schedule.alphaCumprod((int) timesteps[step]);
            float[] eps = new float[input.length];
            for (int i = 0; i < eps.length; i++) {
                eps[i] = (float) ((input[i] - Math.sqrt(alphaProd) * x0[i]) / Math.sqrt(1 - alphaProd));
            }
            x = scheduler.step(eps, step, x, noise);
        }

        assertThat(x).containsExactly(x0, within(2e-4f));
    }

    @Test
    void aRunGoesStepByStepAfterSetTimesteps() {
        Scheduler dpm = Schedulers.create("dpmpp_2m", SchedulerConfig.sd15());
        NoiseSource noise = new SeededNoise(0);
        float[] sample = new float[4];
        assertThatThrownBy(() -> dpm.step(sample, 0, sample, noise))
                .hasMessage("DpmSolverMultistepScheduler: call setTimesteps before sampling");

        dpm.setTimesteps(20);
        dpm.step(sample, 0, sample, noise);
        assertThatThrownBy(() -> dpm.step(sample, 2, sample, noise))
                .hasMessage("DpmSolverMultistepScheduler: expected step 1 after step 0, found step 2; setTimesteps "
                        + "starts a new run");
        assertThatThrownBy(() -> dpm.step(new float[3], 1, sample, noise))
                .hasMessage("DpmSolverMultistepScheduler: model output has 3 values but the sample has 4");
        assertThatThrownBy(() -> dpm.scaleModelInput(sample, 20))
                .hasMessage("DpmSolverMultistepScheduler: stepIndex must be in [0, 19], found 20");

        dpm.setTimesteps(20);
        dpm.step(sample, 5, sample, noise); // a new run may start part-way, as img2img does
    }
}
