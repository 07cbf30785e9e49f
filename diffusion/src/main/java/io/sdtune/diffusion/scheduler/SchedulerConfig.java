package io.sdtune.diffusion.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A diffusers {@code scheduler_config.json}: the keys that DDPM, DDIM, Euler ancestral, DPM-Solver
 * multistep and PNDM read, with diffusers' defaults for keys the file leaves out.
 *
 * <p>Two keys have no single default because the scheduler classes disagree on it:
 * {@code timestep_spacing} (leading for DDPM, DDIM and PNDM; linspace for Euler and DPM-Solver) and
 * {@code set_alpha_to_one} (true for DDIM, false for PNDM). They stay empty when the file omits them
 * and each scheduler applies its own default, as diffusers' {@code from_config} does when one
 * model's config builds another scheduler class. {@code _class_name}, the scheduler the model ships
 * with, is empty when absent.
 *
 * <p>DPM-Solver's switches {@code use_karras_sigmas}, {@code use_exponential_sigmas},
 * {@code use_beta_sigmas}, {@code use_lu_lambdas} and {@code use_flow_sigmas} are read into one
 * {@link SigmaSpacing}. Keys that only tune features not implemented here (thresholding's ratio and
 * maximum, flow shifting, DDPM's variance types) are ignored like any unknown key; the features
 * themselves are refused by the schedulers when switched on.
 */
public record SchedulerConfig(
        Optional<String> className,
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        BetaSchedule betaSchedule,
        List<Double> trainedBetas,
        boolean rescaleBetasZeroSnr,
        PredictionType predictionType,
        Optional<TimestepSpacing> timestepSpacing,
        int stepsOffset,
        boolean clipSample,
        double clipSampleRange,
        boolean thresholding,
        Optional<Boolean> setAlphaToOne,
        boolean skipPrkSteps,
        int solverOrder,
        AlgorithmType algorithmType,
        SolverType solverType,
        boolean lowerOrderFinal,
        boolean eulerAtFinal,
        FinalSigmasType finalSigmasType,
        double lambdaMinClipped,
        SigmaSpacing sigmaSpacing) {

    /** Non-finite numbers are allowed: diffusers writes {@code lambda_min_clipped} as {@code -Infinity}. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();

    /** {@code beta_schedule}: how the training betas are laid out. */
    public enum BetaSchedule {
        LINEAR("linear"),
        /** Linear in √β, as latent diffusion trained: {@code linspace(√β_start, √β_end)²}. */
        SCALED_LINEAR("scaled_linear"),
        /** The cosine ᾱ of Improved DDPM (Nichol &amp; Dhariwal 2021), betas capped at 0.999. */
        SQUAREDCOS_CAP_V2("squaredcos_cap_v2");

        private final String jsonName;

        BetaSchedule(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    /** {@code prediction_type}: what the model outputs. */
    public enum PredictionType {
        /** The noise ε that was added. */
        EPSILON("epsilon"),
        /** The velocity v = √ᾱ ε − √(1−ᾱ) x₀ (Salimans &amp; Ho 2022). */
        V_PREDICTION("v_prediction"),
        /** The clean sample x₀ itself. */
        SAMPLE("sample");

        private final String jsonName;

        PredictionType(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    /** {@code algorithm_type} of DPM-Solver. */
    public enum AlgorithmType {
        DPMSOLVER("dpmsolver"),
        /** DPM-Solver++ (Lu et al. 2022): solves for the data prediction; diffusers' default. */
        DPMSOLVER_PLUS_PLUS("dpmsolver++"),
        SDE_DPMSOLVER("sde-dpmsolver"),
        SDE_DPMSOLVER_PLUS_PLUS("sde-dpmsolver++");

        private final String jsonName;

        AlgorithmType(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    /** {@code solver_type}: how DPM-Solver's second-order step estimates the derivative. */
    public enum SolverType {
        MIDPOINT("midpoint"),
        HEUN("heun");

        private final String jsonName;

        SolverType(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    /** {@code final_sigmas_type}: the noise level DPM-Solver's last step lands on. */
    public enum FinalSigmasType {
        /** σ = 0: the last step returns the model's estimate of x₀. */
        ZERO("zero"),
        /** σ of training timestep 0. */
        SIGMA_MIN("sigma_min");

        private final String jsonName;

        FinalSigmasType(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    /**
     * Which of DPM-Solver's alternative noise-level spacings the config switches on
     * ({@code use_karras_sigmas}, {@code use_exponential_sigmas}, {@code use_beta_sigmas},
     * {@code use_lu_lambdas}, {@code use_flow_sigmas}); {@code DISCRETE} when none is.
     */
    public enum SigmaSpacing {
        DISCRETE(null),
        KARRAS("use_karras_sigmas"),
        EXPONENTIAL("use_exponential_sigmas"),
        BETA("use_beta_sigmas"),
        LU_LAMBDAS("use_lu_lambdas"),
        FLOW("use_flow_sigmas");

        private final String jsonKey;

        SigmaSpacing(String jsonKey) {
            this.jsonKey = jsonKey;
        }

        /** The boolean key that switches this spacing on; null for {@code DISCRETE}. */
        public String jsonKey() {
            return jsonKey;
        }
    }

    /** Checks the ranges; errors name the config key. */
    public SchedulerConfig {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(betaSchedule, "betaSchedule");
        Objects.requireNonNull(predictionType, "predictionType");
        Objects.requireNonNull(timestepSpacing, "timestepSpacing");
        Objects.requireNonNull(setAlphaToOne, "setAlphaToOne");
        Objects.requireNonNull(algorithmType, "algorithmType");
        Objects.requireNonNull(solverType, "solverType");
        Objects.requireNonNull(finalSigmasType, "finalSigmasType");
        Objects.requireNonNull(sigmaSpacing, "sigmaSpacing");
        trainedBetas = List.copyOf(trainedBetas);
        require(numTrainTimesteps >= 1, "num_train_timesteps", "an integer >= 1", numTrainTimesteps);
        require(betaStart > 0 && betaStart < 1, "beta_start", "a number in (0, 1)", betaStart);
        require(betaEnd > 0 && betaEnd < 1, "beta_end", "a number in (0, 1)", betaEnd);
        require(stepsOffset >= 0, "steps_offset", "an integer >= 0", stepsOffset);
        require(clipSampleRange > 0 && clipSampleRange < Double.POSITIVE_INFINITY, "clip_sample_range",
                "a positive number", clipSampleRange);
        require(solverOrder >= 1 && solverOrder <= 3, "solver_order", "an integer in [1, 3]", solverOrder);
        require(!Double.isNaN(lambdaMinClipped), "lambda_min_clipped", "a number", lambdaMinClipped);
        String expectedBetas = "a list of " + numTrainTimesteps + " numbers in [0, 1) (one per training timestep)";
        require(trainedBetas.isEmpty() || trainedBetas.size() == numTrainTimesteps, "trained_betas", expectedBetas,
                "a list of " + trainedBetas.size());
        for (int t = 0; t < trainedBetas.size(); t++) {
            double beta = trainedBetas.get(t);
            require(beta >= 0 && beta < 1, "trained_betas", expectedBetas, beta + " at index " + t);
        }
    }

    private static void require(boolean valid, String key, String expected, Object found) {
        if (!valid) {
            throw new IllegalArgumentException(key + " must be " + expected + ", found " + found);
        }
    }

    /** SD 1.5's {@code scheduler_config.json}, as diffusers writes it back when saving the pipeline. */
    private static final String SD15_JSON = """
            {
              "_class_name": "PNDMScheduler",
              "beta_end": 0.012,
              "beta_schedule": "scaled_linear",
              "beta_start": 0.00085,
              "clip_sample": false,
              "num_train_timesteps": 1000,
              "prediction_type": "epsilon",
              "set_alpha_to_one": false,
              "skip_prk_steps": true,
              "steps_offset": 1,
              "timestep_spacing": "leading",
              "trained_betas": null
            }
            """;

    /**
     * Stable Diffusion 2.1's {@code scheduler_config.json} (the 768 px model): DDIM, v-prediction, SD 1.5's betas.
     */
    public static SchedulerConfig sd21() {
        return parse("""
                {
                  "_class_name": "DDIMScheduler",
                  "beta_end": 0.012,
                  "beta_schedule": "scaled_linear",
                  "beta_start": 0.00085,
                  "clip_sample": false,
                  "num_train_timesteps": 1000,
                  "prediction_type": "v_prediction",
                  "set_alpha_to_one": false,
                  "skip_prk_steps": true,
                  "steps_offset": 1,
                  "trained_betas": null
                }
                """, "the built-in SD 2.1 scheduler config");
    }

    /**
     * The world of shapes' scheduler config ({@code sd pretrain}): DDPM's linear betas (1e-4 to 0.02), whose last
     * timestep keeps {@code √ᾱ ≈ 0.007} of the image where SD's keep 0.068. A flat background's colour shows through
     * SD's noisiest latents, so a model trained on them reads the colour from the noise instead of the caption and
     * draws whatever colour the starting noise suggests (Lin et al. 2023, "Common Diffusion Noise Schedules and
     * Sample Steps are Flawed"); DDPM's schedule leaves too little of it to read.
     */
    public static SchedulerConfig world() {
        return parse("""
                {
                  "_class_name": "DDIMScheduler",
                  "beta_end": 0.02,
                  "beta_schedule": "linear",
                  "beta_start": 0.0001,
                  "clip_sample": false,
                  "num_train_timesteps": 1000,
                  "prediction_type": "v_prediction",
                  "set_alpha_to_one": false,
                  "steps_offset": 1,
                  "trained_betas": null
                }
                """, "the built-in world-of-shapes scheduler config");
    }

    /** SD 2.1's scheduler predicting the noise, as SD 2.x's 512 px models (2.0-base, 2.1-base) do. */
    public static SchedulerConfig sd2Base() {
        return sd21().withPredictionType(PredictionType.EPSILON);
    }

    /**
     * This config as a {@code scheduler_config.json} that {@link #read} and diffusers read back to it: every key this
     * record holds, the absent optional ones left out.
     */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        className.ifPresent(c -> n.put("_class_name", c));
        n.put("num_train_timesteps", numTrainTimesteps);
        n.put("beta_start", betaStart);
        n.put("beta_end", betaEnd);
        n.put("beta_schedule", betaSchedule.jsonName());
        if (trainedBetas.isEmpty()) {
            n.putNull("trained_betas");
        } else {
            trainedBetas.forEach(n.putArray("trained_betas")::add);
        }
        n.put("rescale_betas_zero_snr", rescaleBetasZeroSnr);
        n.put("prediction_type", predictionType.jsonName());
        timestepSpacing.ifPresent(t -> n.put("timestep_spacing", t.jsonName()));
        n.put("steps_offset", stepsOffset);
        n.put("clip_sample", clipSample);
        n.put("clip_sample_range", clipSampleRange);
        n.put("thresholding", thresholding);
        setAlphaToOne.ifPresent(b -> n.put("set_alpha_to_one", b));
        n.put("skip_prk_steps", skipPrkSteps);
        n.put("solver_order", solverOrder);
        n.put("algorithm_type", algorithmType.jsonName());
        n.put("solver_type", solverType.jsonName());
        n.put("lower_order_final", lowerOrderFinal);
        n.put("euler_at_final", eulerAtFinal);
        n.put("final_sigmas_type", finalSigmasType.jsonName());
        n.put("lambda_min_clipped", lambdaMinClipped);
        if (sigmaSpacing.jsonKey() != null) {
            n.put(sigmaSpacing.jsonKey(), true);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stable Diffusion 1.5's scheduler config ({@code scheduler/scheduler_config.json} of the
     * diffusers release) as diffusers writes it back: PNDM with the keys its class fills in,
     * {@code timestep_spacing} "leading" and {@code prediction_type} "epsilon", made explicit.
     *
     * <p>The published file itself has no {@code timestep_spacing}; read from it, Euler and
     * DPM-Solver fall back to their own default, "linspace", as they do in diffusers.
     */
    public static SchedulerConfig sd15() {
        return parse(SD15_JSON, "the built-in SD 1.5 scheduler config");
    }

    /**
     * Reads a {@code scheduler_config.json}. Unknown keys are ignored and {@code null} reads as
     * absent; a value of the wrong type or out of range fails naming the file and the key.
     */
    public static SchedulerConfig read(Path file) {
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("missing scheduler config " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(json, file.toString());
    }

    /** A config given as JSON text; {@code source} names it in errors. */
    public static SchedulerConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object, found " + root);
        }
        try {
            return fromKeys(new Keys(root));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static SchedulerConfig fromKeys(Keys keys) {
        return new SchedulerConfig(
                keys.string("_class_name"),
                keys.integer("num_train_timesteps", 1000),
                keys.number("beta_start", 0.0001),
                keys.number("beta_end", 0.02),
                keys.choice("beta_schedule", BetaSchedule.values(), BetaSchedule::jsonName)
                        .orElse(BetaSchedule.LINEAR),
                keys.numbers("trained_betas"),
                keys.bool("rescale_betas_zero_snr", false),
                keys.choice("prediction_type", PredictionType.values(), PredictionType::jsonName)
                        .orElse(PredictionType.EPSILON),
                keys.choice("timestep_spacing", TimestepSpacing.values(), TimestepSpacing::jsonName),
                keys.integer("steps_offset", 0),
                keys.bool("clip_sample", true),
                keys.number("clip_sample_range", 1.0),
                keys.bool("thresholding", false),
                keys.optionalBool("set_alpha_to_one"),
                keys.bool("skip_prk_steps", false),
                keys.integer("solver_order", 2),
                keys.choice("algorithm_type", AlgorithmType.values(), AlgorithmType::jsonName)
                        .orElse(AlgorithmType.DPMSOLVER_PLUS_PLUS),
                keys.choice("solver_type", SolverType.values(), SolverType::jsonName).orElse(SolverType.MIDPOINT),
                keys.bool("lower_order_final", true),
                keys.bool("euler_at_final", false),
                keys.choice("final_sigmas_type", FinalSigmasType.values(), FinalSigmasType::jsonName)
                        .orElse(FinalSigmasType.ZERO),
                keys.number("lambda_min_clipped", Double.NEGATIVE_INFINITY),
                keys.sigmaSpacing());
    }

    /** This config with another {@code timestep_spacing}, as {@code from_config(config, timestep_spacing=…)}. */
    public SchedulerConfig withTimestepSpacing(TimestepSpacing spacing) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                rescaleBetasZeroSnr, predictionType, Optional.of(spacing), stepsOffset, clipSample, clipSampleRange,
                thresholding, setAlphaToOne, skipPrkSteps, solverOrder, algorithmType, solverType, lowerOrderFinal,
                eulerAtFinal, finalSigmasType, lambdaMinClipped, sigmaSpacing);
    }

    /** This config with another {@code prediction_type}. */
    public SchedulerConfig withPredictionType(PredictionType type) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                rescaleBetasZeroSnr, type, timestepSpacing, stepsOffset, clipSample, clipSampleRange,
                thresholding, setAlphaToOne, skipPrkSteps, solverOrder, algorithmType, solverType, lowerOrderFinal,
                eulerAtFinal, finalSigmasType, lambdaMinClipped, sigmaSpacing);
    }

    /** Typed access to the keys of one file; a value of the wrong JSON type fails naming the key. */
    private record Keys(JsonNode root) {

        private JsonNode get(String key) {
            JsonNode value = root.get(key);
            return value == null || value.isNull() ? null : value;
        }

        private static IllegalArgumentException error(String key, String expected, Object found) {
            return new IllegalArgumentException(key + " must be " + expected + ", found " + found);
        }

        int integer(String key, int fallback) {
            JsonNode value = get(key);
            if (value == null) {
                return fallback;
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw error(key, "an integer", value);
            }
            return value.intValue();
        }

        double number(String key, double fallback) {
            JsonNode value = get(key);
            if (value == null) {
                return fallback;
            }
            if (!value.isNumber()) {
                throw error(key, "a number", value);
            }
            return value.doubleValue();
        }

        boolean bool(String key, boolean fallback) {
            return optionalBool(key).orElse(fallback);
        }

        Optional<Boolean> optionalBool(String key) {
            JsonNode value = get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isBoolean()) {
                throw error(key, "true or false", value);
            }
            return Optional.of(value.booleanValue());
        }

        Optional<String> string(String key) {
            JsonNode value = get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isTextual()) {
                throw error(key, "a string", value);
            }
            return Optional.of(value.textValue());
        }

        <E extends Enum<E>> Optional<E> choice(String key, E[] values, Function<E, String> jsonName) {
            JsonNode value = get(key);
            if (value == null) {
                return Optional.empty();
            }
            String expected = "one of " + Arrays.stream(values).map(jsonName).collect(Collectors.joining(", "));
            return Optional.of(Arrays.stream(values)
                    .filter(v -> value.isTextual() && jsonName.apply(v).equals(value.textValue()))
                    .findFirst()
                    .orElseThrow(() -> error(key, expected, value)));
        }

        List<Double> numbers(String key) {
            JsonNode value = get(key);
            if (value == null) {
                return List.of();
            }
            if (!value.isArray()) {
                throw error(key, "a list of numbers", value);
            }
            List<Double> numbers = new ArrayList<>();
            for (JsonNode number : value) {
                if (!number.isNumber()) {
                    throw error(key, "a list of numbers", number + " at index " + numbers.size());
                }
                numbers.add(number.doubleValue());
            }
            return numbers;
        }

        SigmaSpacing sigmaSpacing() {
            List<SigmaSpacing> on = Arrays.stream(SigmaSpacing.values())
                    .filter(s -> s.jsonKey() != null && bool(s.jsonKey(), false))
                    .toList();
            if (on.size() > 1) {
                throw new IllegalArgumentException("at most one of "
                        + on.stream().map(SigmaSpacing::jsonKey).collect(Collectors.joining(", ")) + " may be true");
            }
            return on.isEmpty() ? SigmaSpacing.DISCRETE : on.get(0);
        }
    }
}
