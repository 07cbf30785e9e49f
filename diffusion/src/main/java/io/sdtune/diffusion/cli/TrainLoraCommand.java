package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.LoraMethod;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.diffusion.training.TrainingArgs;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code sd train_dreambooth_lora}: diffusers' {@code train_dreambooth_lora.py}, same flag names and defaults. */
final class TrainLoraCommand implements Main.Command {

    static Flags flags() {
        return TrainingFlags.declarePriorPreservation(TrainingFlags.declare(new Flags("sd train_dreambooth_lora"),
                        Map.of("output_dir", "lora-dreambooth-model", "learning_rate", "5e-4")))
                .required("instance_data_dir", "folder of training images")
                .required("instance_prompt", "prompt naming the subject, e.g. \"a photo of <cat-toy>\"")
                .option("rank", "4", "LoRA rank (alpha = rank)")
                .option("lora_conv_rank", "0", "also LoRA (LoCon) on the UNet's 3x3 convolutions, as kohya's conv_dim, of "
                        + "this rank (alpha = rank); written in kohya's layout. 0: none")
                .flag("use_8bit_adam", TrainingFlags.USE_8BIT_ADAM)
                .flag("train_text_encoder", "also LoRA on the text encoder's attention projections (same rank)");
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = flags();
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        TrainingArgs a = TrainingFlags.args(f, "instance_data_dir", f.string("instance_prompt"),
                TrainingFlags.priorPreservation(f, out), InstanceImages.Crop.RANDOM, false, 1);
        boolean textEncoder = f.isSet("train_text_encoder");
        int convRank = f.integer("lora_conv_rank");
        if (convRank < 0) {
            throw f.usage("--lora_conv_rank must be 0 (none) or more, got " + convRank);
        }
        out.printf("training LoRA rank %d (UNet%s%s) on %s: %s%n", f.integer("rank"),
                convRank > 0 ? ", its convolutions rank " + convRank : "", textEncoder ? " and text encoder" : "",
                a.device(), TrainingFlags.describe(a));
        new Trainer(a, new LoraMethod(f.integer("rank"), convRank, textEncoder, a.dtype()))
                .run(TrainingFlags.progress(out));
        out.println("saved " + a.outputDir().resolve(LoraMethod.ARTIFACT));
    }
}
