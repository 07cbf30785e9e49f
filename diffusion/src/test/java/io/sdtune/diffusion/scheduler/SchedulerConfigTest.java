package io.sdtune.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.scheduler.SchedulerConfig.AlgorithmType;
import io.sdtune.diffusion.scheduler.SchedulerConfig.BetaSchedule;
import io.sdtune.diffusion.scheduler.SchedulerConfig.FinalSigmasType;
import io.sdtune.diffusion.scheduler.SchedulerConfig.PredictionType;
import io.sdtune.diffusion.scheduler.SchedulerConfig.SigmaSpacing;
import io.sdtune.diffusion.scheduler.SchedulerConfig.SolverType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerConfigTest {

    /** scheduler/scheduler_config.json as published with Stable Diffusion 1.5. */
    private static final String SD15_FILE = """
            {
              "_class_name": "PNDMScheduler",
              "_diffusers_version": "0.6.0",
              "beta_end": 0.012,
              "beta_schedule": "scaled_linear",
              "beta_start": 0.00085,
              "num_train_timesteps": 1000,
              "set_alpha_to_one": false,
              "skip_prk_steps": true,
              "steps_offset": 1,
              "trained_betas": null,
              "clip_sample": false
            }
            """;

    @TempDir
    Path dir;

    @Test
    void readsStableDiffusion15sFileIgnoringKeysItDoesNotUse() throws IOException {
        Path file = Files.writeString(dir.resolve("scheduler_config.json"), SD15_FILE);

        SchedulerConfig config = SchedulerConfig.read(file);

        assertThat(config.className()).contains("PNDMScheduler");
        assertThat(config.betaSchedule()).isEqualTo(BetaSchedule.SCALED_LINEAR);
        assertThat(config.betaStart()).isEqualTo(0.00085);
        assertThat(config.betaEnd()).isEqualTo(0.012);
        assertThat(config.numTrainTimesteps()).isEqualTo(1000);
        assertThat(config.stepsOffset()).isEqualTo(1);
        assertThat(config.skipPrkSteps()).isTrue();
        assertThat(config.clipSample()).isFalse();
        assertThat(config.setAlphaToOne()).contains(false);
        assertThat(config.trainedBetas()).isEmpty(); // null reads as absent
        // Absent: each scheduler applies its own default (leading for DDIM and PNDM, linspace for Euler and DPM).
        assertThat(config.timestepSpacing()).isEmpty();
    }

    @Test
    void theBuiltInSd15ConfigIsThePublishedFileWithPndmsDefaultsWrittenOut() {
        SchedulerConfig sd15 = SchedulerConfig.sd15();
        SchedulerConfig published = SchedulerConfig.parse(SD15_FILE, "published");

        assertThat(sd15.timestepSpacing()).contains(TimestepSpacing.LEADING);
        assertThat(sd15.predictionType()).isEqualTo(PredictionType.EPSILON);
        assertThat(sd15.withTimestepSpacing(TimestepSpacing.LEADING)).isEqualTo(sd15);
        assertThat(published.withTimestepSpacing(TimestepSpacing.LEADING)).isEqualTo(sd15);
    }

    @Test
    void anEmptyConfigHasDiffusersDefaults() {
        SchedulerConfig defaults = SchedulerConfig.parse("{}", "defaults");

        assertThat(defaults.className()).isEmpty();
        assertThat(defaults.numTrainTimesteps()).isEqualTo(1000);
        assertThat(defaults.betaStart()).isEqualTo(0.0001);
        assertThat(defaults.betaEnd()).isEqualTo(0.02);
        assertThat(defaults.betaSchedule()).isEqualTo(BetaSchedule.LINEAR);
        assertThat(defaults.predictionType()).isEqualTo(PredictionType.EPSILON);
        assertThat(defaults.stepsOffset()).isZero();
        assertThat(defaults.clipSample()).isTrue();
        assertThat(defaults.clipSampleRange()).isEqualTo(1.0);
        assertThat(defaults.thresholding()).isFalse();
        assertThat(defaults.rescaleBetasZeroSnr()).isFalse();
        assertThat(defaults.skipPrkSteps()).isFalse();
        assertThat(defaults.solverOrder()).isEqualTo(2);
        assertThat(defaults.algorithmType()).isEqualTo(AlgorithmType.DPMSOLVER_PLUS_PLUS);
        assertThat(defaults.solverType()).isEqualTo(SolverType.MIDPOINT);
        assertThat(defaults.lowerOrderFinal()).isTrue();
        assertThat(defaults.eulerAtFinal()).isFalse();
        assertThat(defaults.finalSigmasType()).isEqualTo(FinalSigmasType.ZERO);
        assertThat(defaults.lambdaMinClipped()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(defaults.sigmaSpacing()).isEqualTo(SigmaSpacing.DISCRETE);
        assertThat(defaults.timestepSpacing()).isEmpty();
        assertThat(defaults.setAlphaToOne()).isEmpty();
    }

    @Test
    void readsADpmSolverConfigAsDiffusersWritesIt() {
        // Python's json writes float("-inf") as -Infinity.
        SchedulerConfig config = SchedulerConfig.parse("""
                {"_class_name": "DPMSolverMultistepScheduler", "algorithm_type": "sde-dpmsolver++",
                 "solver_type": "heun", "solver_order": 3, "lambda_min_clipped": -Infinity,
                 "use_karras_sigmas": true, "final_sigmas_type": "sigma_min", "variance_type": null,
                 "timestep_spacing": "trailing", "prediction_type": "v_prediction"}""", "dpm");

        assertThat(config.algorithmType()).isEqualTo(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS);
        assertThat(config.solverType()).isEqualTo(SolverType.HEUN);
        assertThat(config.solverOrder()).isEqualTo(3);
        assertThat(config.lambdaMinClipped()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(config.sigmaSpacing()).isEqualTo(SigmaSpacing.KARRAS);
        assertThat(config.finalSigmasType()).isEqualTo(FinalSigmasType.SIGMA_MIN);
        assertThat(config.timestepSpacing()).isEqualTo(Optional.of(TimestepSpacing.TRAILING));
        assertThat(config.predictionType()).isEqualTo(PredictionType.V_PREDICTION);
    }

    @Test
    void aConfigWrittenOutReadsBackToItself() {
        SchedulerConfig dpm = SchedulerConfig.parse("""
                {"_class_name": "DPMSolverMultistepScheduler", "algorithm_type": "sde-dpmsolver++",
                 "lambda_min_clipped": -Infinity, "use_karras_sigmas": true, "timestep_spacing": "trailing",
                 "trained_betas": [0.1, 0.2], "num_train_timesteps": 2}""", "dpm");
        for (SchedulerConfig config : List.of(SchedulerConfig.sd15(), SchedulerConfig.sd21(), dpm)) {
            assertThat(SchedulerConfig.parse(config.toJson(), "written")).isEqualTo(config);
        }
        assertThat(SchedulerConfig.sd21().predictionType()).isEqualTo(PredictionType.V_PREDICTION);
        assertThat(SchedulerConfig.sd21().className()).contains("DDIMScheduler");
    }

    @Test
    void trainedBetasReplaceTheSchedule() {
        SchedulerConfig config = SchedulerConfig.parse(
                "{\"num_train_timesteps\": 3, \"trained_betas\": [0.1, 0.2, 0.5]}", "tiny");

        assertThat(config.trainedBetas()).containsExactly(0.1, 0.2, 0.5);
        NoiseSchedule schedule = NoiseSchedule.of(config);
        // ᾱ = 0.9, 0.9·0.8 = 0.72, 0.72·0.5 = 0.36, to float32 rounding
        assertThat(schedule.alphasCumprod()).containsExactly(new double[] {0.9, 0.72, 0.36}, within(1e-7));
    }

    @Test
    void aValueOfTheWrongTypeOrOutOfRangeNamesTheFileAndTheKey() throws IOException {
        Path file = Files.writeString(dir.resolve("scheduler_config.json"),
                SD15_FILE.replace("\"beta_start\": 0.00085", "\"beta_start\": 1.5"));
        assertThatThrownBy(() -> SchedulerConfig.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": beta_start must be a number in (0, 1), found 1.5");

        assertThatThrownBy(() -> SchedulerConfig.parse("{\"num_train_timesteps\": \"1000\"}", "a.json"))
                .hasMessage("a.json: num_train_timesteps must be an integer, found \"1000\"");
        assertThatThrownBy(() -> SchedulerConfig.parse("{\"num_train_timesteps\": 0}", "a.json"))
                .hasMessage("a.json: num_train_timesteps must be an integer >= 1, found 0");
        assertThatThrownBy(() -> SchedulerConfig.parse("{\"beta_schedule\": \"cosine\"}", "a.json"))
                .hasMessage("a.json: beta_schedule must be one of linear, scaled_linear, squaredcos_cap_v2, "
                        + "found \"cosine\"");
        assertThatThrownBy(() -> SchedulerConfig.parse("{\"solver_order\": 4}", "a.json"))
                .hasMessage("a.json: solver_order must be an integer in [1, 3], found 4");
        assertThatThrownBy(() -> SchedulerConfig.parse("{\"clip_sample\": \"no\"}", "a.json"))
                .hasMessage("a.json: clip_sample must be true or false, found \"no\"");
        assertThatThrownBy(() -> SchedulerConfig.parse("{\"timestep_spacing\": \"middle\"}", "a.json"))
                .hasMessage("a.json: timestep_spacing must be one of leading, trailing, linspace, found \"middle\"");
        assertThatThrownBy(() -> SchedulerConfig.parse("{\"trained_betas\": [0.1, 0.2]}", "a.json"))
                .hasMessage("a.json: trained_betas must be a list of 1000 numbers in [0, 1) (one per training "
                        + "timestep), found a list of 2");
        assertThatThrownBy(() -> SchedulerConfig.parse(
                "{\"num_train_timesteps\": 2, \"trained_betas\": [0.1, 1.0]}", "a.json"))
                .hasMessage("a.json: trained_betas must be a list of 2 numbers in [0, 1) (one per training "
                        + "timestep), found 1.0 at index 1");
        assertThatThrownBy(() -> SchedulerConfig.parse(
                "{\"use_karras_sigmas\": true, \"use_exponential_sigmas\": true}", "a.json"))
                .hasMessage("a.json: at most one of use_karras_sigmas, use_exponential_sigmas may be true");
    }

    @Test
    void aMissingOrMalformedFileSaysWhich() throws IOException {
        Path missing = dir.resolve("nowhere.json");
        assertThatThrownBy(() -> SchedulerConfig.read(missing))
                .hasMessage("missing scheduler config " + missing);

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"beta_start\": ");
        assertThatThrownBy(() -> SchedulerConfig.read(broken))
                .hasMessageStartingWith(broken + ": invalid JSON: ");
        assertThatThrownBy(() -> SchedulerConfig.parse("[1, 2]", "list.json"))
                .hasMessage("list.json: expected a JSON object, found [1,2]");
    }
}
