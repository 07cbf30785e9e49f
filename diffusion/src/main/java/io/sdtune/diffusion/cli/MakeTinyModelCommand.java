package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code sd make-tiny-model OUT_DIR [--sd15-shapes]}: a diffusers-layout model with seeded random weights. */
final class MakeTinyModelCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd make-tiny-model")
                .positional("OUT_DIR")
                .flag("sd15-shapes", "SD 1.5's full shapes (860M-parameter UNet) instead of the tiny configuration")
                .option("dtype", "float32", "weight type: float32 or float16")
                .option("seed", "0", "seed of the random weights");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        DType dtype = DType.parse(f.string("dtype"));
        Path dir = Path.of(f.positional(0));
        TinyModel.write(dir, f.isSet("sd15-shapes"), dtype, f.integer("seed"), c -> out.println("generated " + c + " weights"));
        out.println("model written to " + dir);
    }
}
