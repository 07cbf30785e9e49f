package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.PriorPreservation;
import io.sdtune.diffusion.training.TrainingArgs;
import io.sdtune.diffusion.training.TrainingListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The flags the training commands share, with each diffusers script's own defaults. */
final class TrainingFlags {
    /** The help of {@code --use_8bit_adam}, which the DreamBooth scripts take (textual_inversion.py does not). */
    static final String USE_8BIT_ADAM = "AdamW with 8-bit block-wise moments, as bitsandbytes' AdamW8bit";

    private TrainingFlags() {
    }

    /** Declares the shared flags; {@code defaults} overrides the default of any of them by name. */
    static Flags declare(Flags f, Map<String, String> defaults) {
        return f.required("pretrained_model_name_or_path", "diffusers model folder or single-file checkpoint")
                .option("output_dir", defaults.get("output_dir"), "where the artifact is written")
                .option("resolution", "512", "training image size")
                .flag("center_crop", "crop the center square (otherwise, as the scripts: a random square for DreamBooth and "
                        + "LoRA, the whole image resized to a square for Textual Inversion)")
                .option("train_batch_size", defaults.getOrDefault("train_batch_size", "4"), "images per micro-batch")
                .option("gradient_accumulation_steps", "1", "micro-batches per optimisation step")
                .option("num_train_epochs", defaults.getOrDefault("num_train_epochs", "1"), "epochs, when --max_train_steps is not given")
                .option("max_train_steps", defaults.getOrDefault("max_train_steps", ""), "optimisation steps (overrides --num_train_epochs)")
                .option("learning_rate", defaults.get("learning_rate"), "AdamW learning rate")
                .flag("scale_lr", "multiply the learning rate by the effective batch size")
                .option("lr_scheduler", "constant", "constant, constant_with_warmup, linear or cosine")
                .option("lr_warmup_steps", "500", "warm-up steps of the learning-rate schedule")
                .option("adam_beta1", "0.9", "AdamW beta1")
                .option("adam_beta2", "0.999", "AdamW beta2")
                .option("adam_weight_decay", "1e-2", "AdamW decoupled weight decay")
                .option("adam_epsilon", "1e-08", "AdamW epsilon")
                .option("max_grad_norm", "1.0", "gradient clipping by global norm (0: off)")
                .option("seed", "0", "seed of everything random in training")
                .option("noise_offset", "0", "scale of the per-channel noise offset")
                .option("snr_gamma", "0", "Min-SNR loss weighting gamma (0: off)")
                .option("proportion_empty_prompts", "0", "share of samples trained on the empty caption (for guidance)")
                .option("checkpointing_steps", "500", "save the training state every N steps (checkpoint-N/)")
                .option("resume_from_checkpoint", "", "a checkpoint folder, or \"latest\" in output_dir")
                .option("validation_prompt", "", "draw images with this prompt during training (validation/ in output_dir)")
                .option("validation_steps", "100", "steps between validations")
                .option("num_validation_images", "4", "images per validation")
                .flag("gradient_checkpointing", "recompute UNet blocks in the backward pass to save memory")
                .option("mixed_precision", "no", "no or fp16 (float16 compute, float32 trained weights and AdamW, "
                        + "dynamic loss scaling, as Accelerate)")
                .option("device", "cpu", "cpu, cuda or cuda:N");
    }

    /** The prior-preservation flags of {@code train_dreambooth.py} and {@code train_dreambooth_lora.py}. */
    static Flags declarePriorPreservation(Flags f) {
        return f.flag("with_prior_preservation", "add the prior-preservation loss on class images")
                .option("class_data_dir", "", "folder of class images (missing ones are generated)")
                .option("class_prompt", "", "prompt of the class images, e.g. \"a photo of a toy\"")
                .option("num_class_images", "100", "class images to train with; fewer in class_data_dir are topped up")
                .option("prior_loss_weight", "1.0", "weight of the prior-preservation loss")
                .option("sample_batch_size", "4", "images per batch when generating class images")
                .option("prior_generation_precision", "", "fp32 or fp16 for generating class images (default: fp16 on CUDA)");
    }

    /** The prior preservation the flags ask for, or null; class flags without the switch get a note, as in the scripts. */
    static PriorPreservation priorPreservation(Flags f, PrintStream out) {
        if (!f.isSet("with_prior_preservation")) {
            for (String unused : List.of("class_data_dir", "class_prompt")) {
                if (f.has(unused)) {
                    out.println("note: --" + unused + " has no effect without --with_prior_preservation");
                }
            }
            return null;
        }
        if (f.string("class_data_dir").isEmpty()) {
            throw f.usage("You must specify a data directory for class images (--class_data_dir).");
        }
        if (f.string("class_prompt").isEmpty()) {
            throw f.usage("You must specify a prompt for class images (--class_prompt).");
        }
        Device device = Device.parse(f.string("device"));
        DType generation = switch (f.string("prior_generation_precision")) {
            case "" -> device.kind() == Device.Kind.CUDA ? DType.FLOAT16 : DType.FLOAT32;
            case "fp32", "no" -> DType.FLOAT32;
            case "fp16" -> DType.FLOAT16;
            default -> throw f.usage("--prior_generation_precision must be fp32 or fp16, got '"
                    + f.string("prior_generation_precision") + "'");
        };
        return new PriorPreservation(Path.of(f.string("class_data_dir")), f.string("class_prompt"),
                f.integer("num_class_images"), f.number("prior_loss_weight"), f.integer("sample_batch_size"), generation);
    }

    static DType dtype(Flags f) {
        return switch (f.string("mixed_precision")) {
            case "no" -> DType.FLOAT32;
            case "fp16" -> DType.FLOAT16;
            default -> throw f.usage("--mixed_precision must be no or fp16, got '" + f.string("mixed_precision") + "'");
        };
    }

    /**
     * The training settings; without {@code --center_crop} images are cropped as {@code uncentered} says.
     * Without {@code --max_train_steps}, {@code --num_train_epochs} epochs are run, an
     * epoch being as long as the scripts' data loader makes it: every image {@code repeats} times (or, with
     * prior preservation, at least every class image once), in batches, per accumulation.
     */
    static TrainingArgs args(Flags f, String dataDirFlag, String prompt, PriorPreservation prior,
            InstanceImages.Crop uncentered, boolean randomFlip, int repeats) {
        Path dataDir = Path.of(f.string(dataDirFlag));
        int steps;
        if (f.string("max_train_steps").isEmpty()) {
            long samples = (long) InstanceImages.count(dataDir) * repeats;
            if (prior != null) {
                samples = Math.max(samples, prior.numClassImages());
            }
            long batches = (samples + f.integer("train_batch_size") - 1) / f.integer("train_batch_size");
            long perEpoch = (batches + f.integer("gradient_accumulation_steps") - 1) / f.integer("gradient_accumulation_steps");
            steps = (int) Math.max(1, Math.min(Integer.MAX_VALUE, perEpoch * f.integer("num_train_epochs")));
        } else {
            steps = f.integer("max_train_steps");
        }
        return TrainingArgs.builder(Path.of(f.string("pretrained_model_name_or_path")), dataDir, prompt,
                        Path.of(f.string("output_dir")))
                .priorPreservation(prior)
                .resolution(f.integer("resolution"))
                .crop(f.isSet("center_crop") ? InstanceImages.Crop.CENTER : uncentered)
                .randomFlip(randomFlip)
                .trainBatchSize(f.integer("train_batch_size"))
                .gradientAccumulationSteps(f.integer("gradient_accumulation_steps"))
                .maxTrainSteps(steps)
                .learningRate(f.number("learning_rate"))
                .scaleLr(f.isSet("scale_lr"))
                .lrScheduler(f.string("lr_scheduler"))
                .lrWarmupSteps(f.integer("lr_warmup_steps"))
                .adamBeta1(f.number("adam_beta1"))
                .adamBeta2(f.number("adam_beta2"))
                .adamWeightDecay(f.number("adam_weight_decay"))
                .adamEpsilon(f.number("adam_epsilon"))
                .maxGradNorm(f.number("max_grad_norm"))
                .seed(f.integer("seed"))
                .noiseOffset(f.number("noise_offset"))
                .snrGamma(f.number("snr_gamma"))
                .proportionEmptyPrompts(f.number("proportion_empty_prompts"))
                .checkpointingSteps(f.integer("checkpointing_steps"))
                .resumeFromCheckpoint(f.string("resume_from_checkpoint"))
                .validationPrompt(f.string("validation_prompt"))
                .validationSteps(f.integer("validation_steps"))
                .numValidationImages(f.integer("num_validation_images"))
                .gradientCheckpointing(f.isSet("gradient_checkpointing"))
                .use8bitAdam(f.has("use_8bit_adam"))
                .device(Device.parse(f.string("device")))
                .dtype(dtype(f))
                .build();
    }

    /** What a run will do, for its first line: steps, batch, learning rate and the options that change the step. */
    static String describe(TrainingArgs a) {
        return String.format("%d steps, batch %d (%d x %d accumulated), lr %s (%s)%s%s%s", a.maxTrainSteps(), a.effectiveBatch(),
                a.trainBatchSize(), a.gradientAccumulationSteps(), a.scaledLearningRate(), a.lrScheduler(),
                a.gradientCheckpointing() ? ", gradient checkpointing" : "",
                a.use8bitAdam() ? ", 8-bit AdamW" : "",
                a.priorPreservation() == null ? "" : ", prior preservation on " + a.priorPreservation().classDataDir());
    }

    /** The progress line: step, loss, lr, s/step, ETA; every 10 steps and at both ends. */
    static TrainingListener progress(PrintStream out) {
        return new TrainingListener() {
            @Override
            public void onMemoryEstimate(MemoryEstimate e) {
                out.printf("the step holds an estimated %.2f GiB on the device (weights %.2f, inputs %.2f, activations"
                        + " and gradients %.2f) plus the runtime's own%n", gib(e.total()), gib(e.weights()),
                        gib(e.inputs()), gib(e.peakComputed()));
            }

            @Override
            public void onStep(int step, int total, double loss, double lr, double secondsPerStep) {
                if (step == 1 || step % 10 == 0 || step == total) {
                    out.printf("step %d/%d  loss %.4f  lr %.2e  %.3f s/step  ETA %.0f s%n", step, total, loss, lr,
                            secondsPerStep, secondsPerStep * (total - step));
                }
            }
        };
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
