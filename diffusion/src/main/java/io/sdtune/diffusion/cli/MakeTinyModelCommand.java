package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code sd make-tiny-model OUT_DIR [--sd2] [--sd15-shapes | --sd2-shapes]}: a diffusers-layout model with seeded
 * random weights ({@link TinyModel.Architecture}).
 */
final class MakeTinyModelCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd make-tiny-model")
                .positional("OUT_DIR")
                .flag("sd2", "the tiny configuration with SD 2.1's features (v-prediction, linear projections, a head "
                        + "count per block, upcast attention, gelu text encoder)")
                .flag("sd15-shapes", "SD 1.5's full shapes (860M-parameter UNet) instead of the tiny configuration")
                .flag("sd2-shapes", "SD 2.1's full shapes (768 px, v-prediction, OpenCLIP ViT-H text encoder)")
                .option("dtype", "float32", "weight type: float32 or float16")
                .option("seed", "0", "seed of the random weights");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        if (f.isSet("sd15-shapes") && (f.isSet("sd2-shapes") || f.isSet("sd2"))) {
            throw f.usage("--sd15-shapes is SD 1.5's architecture: it does not go with --sd2 or --sd2-shapes");
        }
        TinyModel.Architecture architecture = f.isSet("sd2-shapes") ? TinyModel.Architecture.SD21
                : f.isSet("sd15-shapes") ? TinyModel.Architecture.SD15
                : f.isSet("sd2") ? TinyModel.Architecture.TINY_SD2 : TinyModel.Architecture.TINY;
        DType dtype = DType.parse(f.string("dtype"));
        Path dir = Path.of(f.positional(0));
        TinyModel.write(dir, architecture, dtype, f.integer("seed"), c -> out.println("generated " + c + " weights"));
        out.println("model written to " + dir);
    }
}
