package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.training.LoraMethod;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.diffusion.training.TrainingArgs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code sd train_dreambooth_lora}: diffusers' {@code train_dreambooth_lora.py} with its flag names
 * and defaults. Flags of the script that are not implemented yet are refused by name, never ignored.
 */
final class TrainLoraCommand implements Main.Command {

    static Flags flags() {
        return new Flags("train_dreambooth_lora")
                .required("pretrained_model_name_or_path", "diffusers model folder or single-file checkpoint")
                .required("instance_data_dir", "folder of training images")
                .required("instance_prompt", "prompt naming the subject, e.g. \"a photo of <cat-toy>\"")
                .option("output_dir", "lora-dreambooth-model", "where pytorch_lora_weights.safetensors is written")
                .option("resolution", "512", "training image size")
                .flag("center_crop", "accepted for compatibility: images are always center-cropped, as their latents are encoded once")
                .option("train_batch_size", "4", "images per micro-batch")
                .option("gradient_accumulation_steps", "1", "micro-batches per optimisation step")
                .option("max_train_steps", "", "optimisation steps (required here: epochs are not implemented)")
                .option("learning_rate", "5e-4", "AdamW learning rate")
                .flag("scale_lr", "multiply the learning rate by the effective batch size")
                .option("lr_scheduler", "constant", "constant, constant_with_warmup, linear or cosine")
                .option("lr_warmup_steps", "500", "warm-up steps of the learning-rate schedule")
                .option("adam_beta1", "0.9", "AdamW beta1")
                .option("adam_beta2", "0.999", "AdamW beta2")
                .option("adam_weight_decay", "1e-2", "AdamW decoupled weight decay")
                .option("adam_epsilon", "1e-08", "AdamW epsilon")
                .option("max_grad_norm", "1.0", "gradient clipping by global norm (0: off)")
                .option("rank", "4", "LoRA rank (alpha = rank)")
                .option("seed", "0", "seed of everything random in training")
                .option("noise_offset", "0", "scale of the per-channel noise offset")
                .option("snr_gamma", "0", "Min-SNR loss weighting gamma (0: off)")
                .flag("gradient_checkpointing", "recompute UNet blocks in the backward pass to save memory")
                .option("mixed_precision", "no", "no or fp16 (fp16 runs the whole step in float16)")
                .option("device", "cpu", "cpu, cuda or cuda:N");
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = flags();
        if (args.contains("--help")) {
            out.print(f.help());
            return;
        }
        f.parse(args);
        if (f.string("max_train_steps").isEmpty()) {
            throw f.usage("--max_train_steps is required (training by --num_train_epochs is not implemented)");
        }
        DType dtype = switch (f.string("mixed_precision")) {
            case "no" -> DType.FLOAT32;
            case "fp16" -> DType.FLOAT16;
            default -> throw f.usage("--mixed_precision must be no or fp16, got '" + f.string("mixed_precision") + "'");
        };
        TrainingArgs a = new TrainingArgs(Path.of(f.string("pretrained_model_name_or_path")),
                Path.of(f.string("instance_data_dir")), f.string("instance_prompt"), Path.of(f.string("output_dir")),
                f.integer("resolution"), false, f.integer("train_batch_size"), f.integer("gradient_accumulation_steps"),
                f.integer("max_train_steps"), f.number("learning_rate"), f.isSet("scale_lr"), f.string("lr_scheduler"),
                f.integer("lr_warmup_steps"), f.number("adam_beta1"), f.number("adam_beta2"),
                f.number("adam_weight_decay"), f.number("adam_epsilon"), f.number("max_grad_norm"), f.integer("seed"),
                f.number("noise_offset"), f.number("snr_gamma"), 0, f.isSet("gradient_checkpointing"),
                Device.parse(f.string("device")), dtype);
        out.printf("training LoRA rank %d on %s: %d steps, batch %d, lr %s (%s)%n", f.integer("rank"), a.device(),
                a.maxTrainSteps(), a.effectiveBatch(), a.scaledLearningRate(), a.lrScheduler());
        new Trainer(a, new LoraMethod(f.integer("rank"), dtype)).run((step, total, loss, lr, secondsPerStep) -> {
            if (step == 1 || step % 10 == 0 || step == total) {
                out.printf("step %d/%d  loss %.4f  lr %.2e  %.3f s/step  ETA %.0f s%n", step, total, loss, lr,
                        secondsPerStep, secondsPerStep * (total - step));
            }
        });
        out.println("saved " + a.outputDir().resolve(LoraMethod.ARTIFACT));
    }
}
