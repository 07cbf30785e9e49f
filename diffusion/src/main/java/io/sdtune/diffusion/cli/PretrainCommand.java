package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.training.LearningRateSchedule;
import io.sdtune.diffusion.training.Pretraining;
import io.sdtune.diffusion.training.VaeTraining;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code sd pretrain --output_dir DIR}: the project's own text-to-image model, trained from random weights on the
 * world of shapes ({@link Pretraining}).
 */
final class PretrainCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd pretrain")
                .required("output_dir", "where the diffusers model folder is written")
                .option("resolution", "64", "image side in pixels (a multiple of 16)")
                .option("num_images", "2000", "images of the world to train on")
                .option("vae_steps", "600", "VAE training steps")
                .option("vae_batch_size", "16", "crops per VAE step")
                .option("vae_crop_size", "32", "side of the random crops the VAE trains on (a multiple of 4, at most --resolution)")
                .option("vae_learning_rate", "1e-3", "the VAE's AdamW learning rate")
                .option("max_train_steps", "1600", "UNet and text encoder training steps")
                .option("train_batch_size", "16", "images per UNet step")
                .option("learning_rate", "1e-3", "the UNet's and text encoder's AdamW learning rate")
                .option("lr_scheduler", "cosine", "learning-rate schedule: " + String.join(", ", LearningRateSchedule.NAMES))
                .option("lr_warmup_steps", "100", "steps of linear warm-up")
                .option("snr_gamma", "0", "Min-SNR weighting's gamma (0: the plain loss)")
                .flag("half", "write the model's weights in float16")
                .option("seed", "0", "seed of the world, the initial weights and the training")
                .option("num_evaluation_images", "50", "held-out captions drawn and judged at the end (0: none)")
                .option("device", "cpu", "cpu, cuda or cuda:N");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        int resolution = f.integer("resolution");
        if (resolution < 32 || resolution % 16 != 0) {
            throw f.usage("--resolution must be a multiple of 16, at least 32, got " + resolution);
        }
        int crop = f.integer("vae_crop_size");
        if (crop < 8 || crop > resolution || crop % 4 != 0) {
            throw f.usage("--vae_crop_size must be a multiple of 4 from 8 to --resolution (" + resolution + "), got " + crop);
        }
        if (!LearningRateSchedule.NAMES.contains(f.string("lr_scheduler"))) {
            throw f.usage("--lr_scheduler must be one of " + String.join(", ", LearningRateSchedule.NAMES) + ", got "
                    + f.string("lr_scheduler"));
        }
        Pretraining.Args a = new Pretraining.Args(Path.of(f.string("output_dir")), resolution, f.integer("num_images"),
                new VaeTraining.Args(f.integer("vae_steps"), f.integer("vae_batch_size"), crop,
                        f.number("vae_learning_rate"), Pretraining.KL_WEIGHT),
                new Pretraining.DiffusionPhase(f.integer("max_train_steps"), f.integer("train_batch_size"),
                        f.number("learning_rate"), f.string("lr_scheduler"), f.integer("lr_warmup_steps"),
                        f.number("snr_gamma")),
                f.isSet("half"), f.integer("seed"), Device.parse(f.string("device")));
        long start = System.nanoTime();
        Pretraining.run(a, TrainingFlags.progress(out), out::println);
        out.printf("model written to %s in %.0f s%n", a.outputDir(), (System.nanoTime() - start) / 1e9);
        evaluate(out, a.outputDir(), f.integer("num_evaluation_images"), a.seed(), a.device());
    }

    /** Judges {@code count} images of the model at {@code dir} (none if 0) and prints the scores. */
    static void evaluate(PrintStream out, Path dir, int count, long seed, Device device) {
        if (count > 0) {
            // Captions from another seed than the training set's: combinations the model did not see whole.
            Pretraining.Evaluation e = Pretraining.evaluate(dir, count, seed + 1_000_003, device);
            out.printf("judge's mean score on %d held-out captions: %.3f (against other images' captions: %.3f)%n",
                    e.images(), e.score(), e.otherCaptionScore());
        }
    }
}
