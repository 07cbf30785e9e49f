package io.sdtune.contracts.training;

import static java.util.Map.entry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The hyper-parameters a request leaves out: the seed article's command lines ({@code seed.txt}), flag for
 * flag, in the flags' own spelling; what the article does not set takes the default of the diffusers script
 * it runs, which {@code bin/sd} keeps too.
 */
public final class SeedDefaults {
    private SeedDefaults() {
    }

    /** Set alike on the seed's three command lines. */
    private static final Map<String, Object> SEED = Map.of(
            "resolution", 512,
            "train_batch_size", 1,
            "max_train_steps", 400,
            "lr_scheduler", "constant",
            "lr_warmup_steps", 0);

    /** Set differently per method by the seed (learning rate, accumulation, switches), plus each script's own flags. */
    private static final Map<TrainingMethod, Map<String, Object>> SEED_PER_METHOD = Map.of(
            TrainingMethod.TEXTUAL_INVERSION, Map.of(
                    "learnable_property", "object",
                    "gradient_accumulation_steps", 4,
                    "learning_rate", 5e-4,
                    "scale_lr", true,
                    "num_vectors", 1),
            TrainingMethod.DREAMBOOTH, Map.of(
                    "gradient_accumulation_steps", 1,
                    "gradient_checkpointing", true,
                    "use_8bit_adam", true,
                    "learning_rate", 1e-6,
                    "train_text_encoder", false,
                    "with_prior_preservation", false,
                    "num_class_images", 100,
                    "prior_loss_weight", 1.0),
            TrainingMethod.LORA, Map.of(
                    "gradient_accumulation_steps", 1,
                    "learning_rate", 5e-4,
                    "rank", 4,
                    "lora_conv_rank", 0,
                    "use_8bit_adam", false,
                    "train_text_encoder", false,
                    "with_prior_preservation", false,
                    "num_class_images", 100,
                    "prior_loss_weight", 1.0));

    /**
     * Not set by the seed: the scripts' defaults. Two differ because a job must be reproducible and the
     * flag has no "unset" here: {@code seed} is 0 (the scripts: random) and {@code snr_gamma} 0 means off
     * (the scripts: None).
     */
    private static final Map<String, Object> SCRIPTS = Map.ofEntries(
            entry("scale_lr", false),
            entry("adam_beta1", 0.9),
            entry("adam_beta2", 0.999),
            entry("adam_weight_decay", 1e-2),
            entry("adam_epsilon", 1e-8),
            entry("max_grad_norm", 1.0),
            entry("seed", 0),
            entry("noise_offset", 0.0),
            entry("snr_gamma", 0.0),
            entry("mixed_precision", "no"),
            entry("gradient_checkpointing", false),
            entry("checkpointing_steps", 500),
            entry("validation_steps", 100),
            entry("num_validation_images", 4),
            // The trainer's own: a job that does not fit is refused rather than changed, unless it asks.
            entry("allow_memory_savings", false));

    /** Converts between the records and flag maps; nulls are left out, so an unset flag never hides a default. */
    private static final ObjectMapper FLAGS = JsonMapper.builder()
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .build();

    private static final Map<TrainingMethod, Map<String, Object>> DEFAULTS = new EnumMap<>(TrainingMethod.class);

    static {
        for (TrainingMethod method : TrainingMethod.values()) {
            Map<String, Object> flags = new HashMap<>(SCRIPTS);
            flags.putAll(SEED);
            flags.putAll(SEED_PER_METHOD.get(method));
            DEFAULTS.put(method, Map.copyOf(flags));
        }
    }

    /** Every flag of {@code method}'s command at its default. */
    public static HyperParameters of(TrainingMethod method) {
        return apply(method, null);
    }

    /** {@code given} (may be null) with each flag it leaves out at {@code method}'s default. */
    public static HyperParameters apply(TrainingMethod method, HyperParameters given) {
        Map<String, Object> flags = new HashMap<>(DEFAULTS.get(method));
        if (given != null) {
            flags.putAll(FLAGS.convertValue(given, new TypeReference<Map<String, Object>>() { }));
        }
        return FLAGS.convertValue(flags, HyperParameters.class);
    }
}
