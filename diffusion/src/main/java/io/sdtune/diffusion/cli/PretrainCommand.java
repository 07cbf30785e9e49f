package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.training.Pretraining;
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
                .option("vae_steps", "300", "VAE training steps")
                .option("vae_batch_size", "16", "images per VAE step")
                .option("vae_learning_rate", "1e-3", "the VAE's AdamW learning rate")
                .option("max_train_steps", "1000", "UNet and text encoder training steps")
                .option("train_batch_size", "16", "images per UNet step")
                .option("learning_rate", "5e-4", "the UNet's and text encoder's AdamW learning rate")
                .option("seed", "0", "seed of the world, the initial weights and the training")
                .option("num_evaluation_images", "50", "held-out captions drawn and judged at the end (0: none)")
                .option("device", "cpu", "cpu, cuda or cuda:N");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        if (f.integer("resolution") < 32 || f.integer("resolution") % 16 != 0) {
            throw f.usage("--resolution must be a multiple of 16, at least 32, got " + f.integer("resolution"));
        }
        Pretraining.Args a = new Pretraining.Args(Path.of(f.string("output_dir")), f.integer("resolution"),
                f.integer("num_images"), f.integer("vae_steps"), f.integer("vae_batch_size"),
                f.number("vae_learning_rate"), f.integer("max_train_steps"), f.integer("train_batch_size"),
                f.number("learning_rate"), f.integer("seed"), Device.parse(f.string("device")));
        long start = System.nanoTime();
        Pretraining.run(a, TrainingFlags.progress(out), out::println);
        out.printf("model written to %s in %.0f s%n", a.outputDir(), (System.nanoTime() - start) / 1e9);
        int evaluations = f.integer("num_evaluation_images");
        if (evaluations > 0) {
            // Captions from another seed than the training set's: combinations the model did not see whole.
            double score = Pretraining.evaluate(a.outputDir(), evaluations, a.seed() + 1_000_003, a.device());
            out.printf("judge's mean score on %d held-out captions: %.3f%n", evaluations, score);
        }
    }
}
