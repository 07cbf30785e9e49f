package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.world.Judge;
import io.sdtune.diffusion.world.Scene;
import io.sdtune.diffusion.world.WorldDataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * {@code sd judge IMAGE --caption TEXT} or {@code sd judge DIR}: how far images of the world hold to their captions
 * ({@link Judge}); a folder's captions are its {@code metadata.jsonl}'s.
 */
final class JudgeCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd judge")
                .positional("IMAGE_OR_DIR")
                .option("caption", "", "the caption to judge IMAGE against (a folder's come from its metadata.jsonl)");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        Path path = Path.of(f.positional(0));
        List<WorldDataset.Entry> entries;
        if (Files.isDirectory(path)) {
            entries = WorldDataset.read(path);
        } else if (f.string("caption").isEmpty()) {
            throw f.usage("--caption is required to judge one image");
        } else {
            entries = List.of(new WorldDataset.Entry(path, f.string("caption")));
        }
        double total = 0;
        for (WorldDataset.Entry e : entries) {
            BufferedImage image = read(e.image());
            Judge.Score score = Judge.score(image, Scene.parse(e.caption()));
            total += score.value();
            if (entries.size() == 1 || score.value() < 1) {
                out.printf("%s: %.3f (%d of %d facts); read \"%s\"%s%n", e.image().getFileName(), score.value(),
                        score.matched(), score.facts(), Judge.read(image).caption(),
                        score.misses().isEmpty() ? "" : "; missed " + String.join("; ", score.misses()));
            }
        }
        out.printf("mean score %.4f over %d image(s)%n", total / entries.size(), entries.size());
    }

    private static BufferedImage read(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new IllegalArgumentException(file + " is not an image ImageIO reads");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
