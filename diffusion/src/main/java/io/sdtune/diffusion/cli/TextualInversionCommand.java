package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.TextualInversionMethod;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.diffusion.training.TrainingArgs;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code sd textual_inversion}: diffusers' {@code textual_inversion.py}, same flag names and defaults. */
final class TextualInversionCommand implements Main.Command {

    static Flags flags() {
        return TrainingFlags.declare(new Flags("sd textual_inversion"), Map.of("output_dir", "text-inversion-model",
                        "learning_rate", "1e-4", "train_batch_size", "16", "max_train_steps", "5000", "num_train_epochs", "100"))
                .required("train_data_dir", "folder of training images")
                .required("placeholder_token", "the new token, e.g. \"<cat-toy>\"")
                .required("initializer_token", "an existing single token the new embedding starts from, e.g. \"toy\"")
                .option("learnable_property", "object", "object or style (which caption templates)")
                .option("num_vectors", "1", "embedding vectors for the placeholder")
                .option("save_steps", "500", "also save learned_embeds-steps-N.safetensors every N steps (0: never)")
                .option("repeats", "100", "times each image counts in an epoch (with --num_train_epochs)");
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = flags();
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        TrainingArgs a = TrainingFlags.args(f, "train_data_dir", "", null, InstanceImages.Crop.RESIZE, true,
                f.integer("repeats"));
        TextualInversionMethod method = new TextualInversionMethod(f.string("placeholder_token"),
                f.string("initializer_token"), f.integer("num_vectors"), f.string("learnable_property"), a.dtype(), f.integer("save_steps"));
        out.printf("training %s (%d vector(s), from '%s') on %s: %s%n", f.string("placeholder_token"),
                f.integer("num_vectors"), f.string("initializer_token"), a.device(), TrainingFlags.describe(a));
        new Trainer(a, method).run(TrainingFlags.progress(out));
        out.println("saved " + a.outputDir().resolve(TextualInversionMethod.ARTIFACT));
    }
}
