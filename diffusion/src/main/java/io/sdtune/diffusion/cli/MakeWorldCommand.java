package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.training.ImageCaptions;
import io.sdtune.diffusion.world.WorldDataset;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code sd make-world OUT_DIR [--num_images N] [--resolution PX] [--seed S]}: images of the world of shapes with
 * their captions, a diffusers {@code imagefolder} dataset ({@link WorldDataset}).
 */
final class MakeWorldCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd make-world")
                .positional("OUT_DIR")
                .option("num_images", "100", "how many scenes")
                .option("resolution", "64", "image side in pixels (at least 32)")
                .option("seed", "0", "seed of the scenes and their drawing");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        if (f.integer("num_images") < 1 || f.integer("resolution") < 32) {
            throw f.usage("--num_images must be at least 1 and --resolution at least 32");
        }
        List<WorldDataset.Entry> entries = WorldDataset.write(Path.of(f.positional(0)), f.integer("num_images"),
                f.integer("resolution"), f.integer("seed"));
        out.println("wrote " + entries.size() + " images and " + ImageCaptions.METADATA + " to " + f.positional(0)
                + ", e.g. " + entries.get(0).image().getFileName() + ": " + entries.get(0).caption());
    }
}
