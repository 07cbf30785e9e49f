package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.DreamBoothMethod;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.diffusion.training.TrainingArgs;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code sd train_dreambooth}: diffusers' {@code train_dreambooth.py}, same flag names and defaults.
 */
final class TrainDreamBoothCommand implements Main.Command {

    static Flags flags() {
        return TrainingFlags.declarePriorPreservation(TrainingFlags.declare(new Flags("sd train_dreambooth"),
                        Map.of("output_dir", "dreambooth-model", "learning_rate", "5e-6")))
                .required("instance_data_dir", "folder of training images")
                .required("instance_prompt", "prompt naming the subject, e.g. \"a photo of <cat-toy>\"")
                .flag("use_8bit_adam", TrainingFlags.USE_8BIT_ADAM)
                .flag("train_text_encoder", "train the text encoder too, at the same learning rate")
                .option("save_precision", "", "float or fp16: every weight of the saved pipeline in that dtype "
                        + "(kohya's flag; default: the trained weights in float32, the rest as the base model's)");
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
        DType savePrecision = switch (f.string("save_precision")) {
            case "" -> null;
            case "float" -> DType.FLOAT32;
            case "fp16" -> DType.FLOAT16;
            default -> throw f.usage("--save_precision must be float or fp16, got '" + f.string("save_precision") + "'");
        };
        out.printf("training the UNet%s on %s: %s%n", textEncoder ? " and the text encoder" : "", a.device(),
                TrainingFlags.describe(a));
        new Trainer(a, new DreamBoothMethod(a.dtype(), textEncoder, savePrecision)).run(TrainingFlags.progress(out));
        out.println("saved " + a.outputDir());
    }
}
