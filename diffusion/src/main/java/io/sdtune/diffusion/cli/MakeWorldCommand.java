package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.training.ImageCaptions;
import io.sdtune.diffusion.world.WorldDataset;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code sd make-world OUT_DIR [--num_images N] [--resolution PX] [--seed S] [--captions whole|varied]}: images of
 * the world of shapes with their captions, a diffusers {@code imagefolder} dataset ({@link WorldDataset}).
 */
final class MakeWorldCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd make-world")
                .positional("OUT_DIR")
                .option("num_images", "100", "how many scenes")
                .option("resolution", "64", "image side in pixels (at least 32)")
                .option("seed", "0", "seed of the scenes and their drawing")
                .option("captions", "whole", "whole (each scene's full caption, which `sd judge` reads back) or varied "
                        + "(parts left out, figures now and then named by other words: what `sd pretrain` trains on)");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        if (f.integer("num_images") < 1 || f.integer("resolution") < 32) {
            throw f.usage("--num_images must be at least 1 and --resolution at least 32");
        }
        if (!List.of("whole", "varied").contains(f.string("captions"))) {
            throw f.usage("--captions must be whole or varied, got " + f.string("captions"));
        }
        List<WorldDataset.Entry> entries = WorldDataset.write(Path.of(f.positional(0)), f.integer("num_images"),
                f.integer("resolution"), f.integer("seed"),
                WorldDataset.Captions.valueOf(f.string("captions").toUpperCase(Locale.ROOT)));
        out.println("wrote " + entries.size() + " images and " + ImageCaptions.METADATA + " to " + f.positional(0)
                + ", e.g. " + entries.get(0).image().getFileName() + ": " + entries.get(0).caption());
    }
}
