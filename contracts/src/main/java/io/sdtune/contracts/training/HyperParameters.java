package io.sdtune.contracts.training;

import static io.sdtune.contracts.training.TrainingMethod.DREAMBOOTH;
import static io.sdtune.contracts.training.TrainingMethod.LORA;
import static io.sdtune.contracts.training.TrainingMethod.TEXTUAL_INVERSION;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The numbers and switches of a training job, each named and meaning exactly as the flag of the diffusers
 * script of its method (and of {@code bin/sd}, which takes the same flags). A request may leave any of them
 * out and gets {@link SeedDefaults}; a flag that the method's command does not take is an error, as argparse
 * makes it. Left out on purpose: the scripts' paths
 * and hub options (the trainer supplies those), {@code num_train_epochs} (a job always has a step count,
 * so progress has a total), and the engine's own {@code device} (the trainer's deployment decides). Two are no
 * diffusers script's: {@code lora_conv_rank}, {@code bin/sd train_dreambooth_lora}'s LoCon option (kohya's
 * {@code conv_dim}; 0 for none), and the trainer's own {@code allow_memory_savings}, whether a job that
 * would not fit the trainer's device may be run with gradient checkpointing and 8-bit AdamW switched on.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record HyperParameters(
        Integer resolution,
        Integer trainBatchSize,
        Integer gradientAccumulationSteps,
        Integer maxTrainSteps,
        Double learningRate,
        Boolean scaleLr,
        String lrScheduler,
        Integer lrWarmupSteps,
        Double adamBeta1,
        Double adamBeta2,
        Double adamWeightDecay,
        Double adamEpsilon,
        Double maxGradNorm,
        Long seed,
        Double noiseOffset,
        Double snrGamma,
        String mixedPrecision,
        Boolean gradientCheckpointing,
        Integer checkpointingSteps,
        Integer validationSteps,
        Integer numValidationImages,
        String learnableProperty,
        Integer numVectors,
        Integer rank,
        Integer loraConvRank,
        Boolean trainTextEncoder,
        Boolean withPriorPreservation,
        Integer numClassImages,
        Double priorLossWeight,
        @JsonProperty("use_8bit_adam") Boolean use8bitAdam,
        Boolean allowMemorySavings) {

    /** The schedules of diffusers' {@code get_scheduler} that the engine implements. */
    public static final List<String> LR_SCHEDULERS = List.of("constant", "constant_with_warmup", "linear", "cosine");
    /** The engine trains in float32 or, whole step, in float16. */
    public static final List<String> MIXED_PRECISIONS = List.of("no", "fp16");
    /** Textual Inversion's caption templates. */
    public static final List<String> LEARNABLE_PROPERTIES = List.of("object", "style");

    private static final Set<TrainingMethod> DREAMBOOTH_SCRIPTS = EnumSet.of(LORA, DREAMBOOTH);

    /** The problems of these values for {@code method}, defaults already applied: every flag of its command is set. */
    void check(Problems p, TrainingMethod method) {
        p.required("resolution", resolution, Limits.IMAGE_SIDE);
        p.multipleOf("resolution", resolution, Limits.IMAGE_SIDE_MULTIPLE);
        p.required("train_batch_size", trainBatchSize, Limits.TRAIN_BATCH_SIZE);
        p.required("gradient_accumulation_steps", gradientAccumulationSteps, Limits.GRADIENT_ACCUMULATION_STEPS);
        p.required("max_train_steps", maxTrainSteps, Limits.MAX_TRAIN_STEPS);
        p.required("learning_rate", learningRate, Limits.LEARNING_RATE);
        p.required("scale_lr", scaleLr);
        p.required("lr_scheduler", lrScheduler);
        p.oneOf("lr_scheduler", lrScheduler, LR_SCHEDULERS);
        p.required("lr_warmup_steps", lrWarmupSteps, Limits.LR_WARMUP_STEPS);
        p.notAbove("lr_warmup_steps", lrWarmupSteps, "max_train_steps", maxTrainSteps, Limits.MAX_TRAIN_STEPS);
        p.required("adam_beta1", adamBeta1, Limits.ADAM_BETA);
        p.required("adam_beta2", adamBeta2, Limits.ADAM_BETA);
        p.required("adam_weight_decay", adamWeightDecay, Limits.ADAM_WEIGHT_DECAY);
        p.required("adam_epsilon", adamEpsilon, Limits.ADAM_EPSILON);
        p.required("max_grad_norm", maxGradNorm, Limits.MAX_GRAD_NORM);
        p.required("seed", seed, Limits.SEED);
        p.required("noise_offset", noiseOffset, Limits.NOISE_OFFSET);
        p.required("snr_gamma", snrGamma, Limits.SNR_GAMMA);
        p.required("mixed_precision", mixedPrecision);
        p.oneOf("mixed_precision", mixedPrecision, MIXED_PRECISIONS);
        p.required("gradient_checkpointing", gradientCheckpointing);
        p.required("checkpointing_steps", checkpointingSteps, Limits.CHECKPOINTING_STEPS);
        p.required("validation_steps", validationSteps, Limits.VALIDATION_STEPS);
        p.required("num_validation_images", numValidationImages, Limits.NUM_VALIDATION_IMAGES);

        onlyFor(p, method, "learnable_property", learnableProperty, EnumSet.of(TEXTUAL_INVERSION));
        p.oneOf("learnable_property", learnableProperty, LEARNABLE_PROPERTIES);
        onlyFor(p, method, "num_vectors", numVectors, EnumSet.of(TEXTUAL_INVERSION));
        p.in("num_vectors", numVectors, Limits.NUM_VECTORS);
        onlyFor(p, method, "rank", rank, EnumSet.of(LORA));
        p.in("rank", rank, Limits.RANK);
        onlyFor(p, method, "lora_conv_rank", loraConvRank, EnumSet.of(LORA));
        p.in("lora_conv_rank", loraConvRank, Limits.LORA_CONV_RANK);
        onlyFor(p, method, "train_text_encoder", trainTextEncoder, DREAMBOOTH_SCRIPTS);
        onlyFor(p, method, "with_prior_preservation", withPriorPreservation, DREAMBOOTH_SCRIPTS);
        onlyFor(p, method, "num_class_images", numClassImages, DREAMBOOTH_SCRIPTS);
        p.in("num_class_images", numClassImages, Limits.NUM_CLASS_IMAGES);
        onlyFor(p, method, "prior_loss_weight", priorLossWeight, DREAMBOOTH_SCRIPTS);
        p.in("prior_loss_weight", priorLossWeight, Limits.PRIOR_LOSS_WEIGHT);
        onlyFor(p, method, "use_8bit_adam", use8bitAdam, DREAMBOOTH_SCRIPTS);
        p.required("allow_memory_savings", allowMemorySavings);
    }

    /** Required for the methods whose command takes the flag, an error for the others. */
    private static void onlyFor(Problems p, TrainingMethod method, String field, Object value, Set<TrainingMethod> methods) {
        if (methods.contains(method)) {
            p.required(field, value);
        } else {
            p.absent(field, value, "applies to " + methods.stream().map(Enum::name).collect(Collectors.joining(" and "))
                    + " only, not " + method);
        }
    }
}
