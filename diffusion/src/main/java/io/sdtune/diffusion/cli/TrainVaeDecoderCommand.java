package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.training.Pretraining;
import io.sdtune.diffusion.training.VaeTraining;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code sd train_vae_decoder --pretrained_model_name_or_path DIR --output_dir DIR}: a world model with its VAE's
 * decoder fine-tuned on the world, the rest as it was ({@link Pretraining#trainVaeDecoder}).
 */
final class TrainVaeDecoderCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd train_vae_decoder")
                .required("pretrained_model_name_or_path", "the world model whose decoder is trained (sd pretrain's)")
                .required("output_dir", "where the diffusers model folder is written")
                .option("num_images", "2000", "images of the world to train on")
                .option("max_train_steps", "3000", "training steps")
                .option("train_batch_size", "16", "crops per step")
                .option("crop_size", "32", "side of the random crops trained on (a multiple of 4, at most the model's resolution)")
                .option("learning_rate", "1e-3", "AdamW's learning rate")
                .flag("half", "write the model's weights in float16")
                .option("seed", "0", "seed of the world's images and the training")
                .option("num_evaluation_images", "50", "held-out captions drawn and judged at the end (0: none)")
                .option("device", "cpu", "cpu, cuda or cuda:N");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        Pretraining.DecoderArgs a = new Pretraining.DecoderArgs(Path.of(f.string("pretrained_model_name_or_path")),
                Path.of(f.string("output_dir")), f.integer("num_images"),
                new VaeTraining.Args(f.integer("max_train_steps"), f.integer("train_batch_size"), f.integer("crop_size"),
                        f.number("learning_rate"), Pretraining.KL_WEIGHT),
                f.isSet("half"), f.integer("seed"), Device.parse(f.string("device")));
        long start = System.nanoTime();
        double[] losses = Pretraining.trainVaeDecoder(a, out::println);
        out.printf("decoder: %d steps, loss %.5f -> %.5f; model written to %s in %.0f s%n", losses.length, losses[0],
                losses[losses.length - 1], a.outputDir(), (System.nanoTime() - start) / 1e9);
        PretrainCommand.evaluate(out, a.outputDir(), f.integer("num_evaluation_images"), a.seed(), a.device());
    }
}
