package io.sdtune.diffusion.world;

import io.sdtune.diffusion.training.ImageCaptions;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Images of the world with their captions in a folder, as diffusers' {@code imagefolder} datasets keep them
 * ({@link ImageCaptions}): what the training commands read with per-image captions.
 */
public final class WorldDataset {

    /** An image of the folder and its caption. */
    public record Entry(Path image, String caption) {
    }

    private WorldDataset() {
    }

    /** Writes {@code count} random scenes, {@code side} pixels square, drawn from {@code seed}; returns the entries. */
    public static List<Entry> write(Path dir, int count, int side, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, String> captions = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < count; i++) {
                Scene scene = Scene.random(random);
                BufferedImage image = SceneRenderer.render(scene, side, random);
                String name = String.format("%06d.png", i);
                ImageIO.write(image, "png", dir.resolve(name).toFile());
                captions.put(name, scene.caption());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the world's images to " + dir + ": " + e.getMessage(), e);
        }
        ImageCaptions.write(dir, captions);
        return entries(dir, captions);
    }

    /** The captioned images of {@code dir}. */
    public static List<Entry> read(Path dir) {
        return entries(dir, ImageCaptions.read(dir));
    }

    private static List<Entry> entries(Path dir, Map<String, String> captions) {
        return captions.entrySet().stream().map(e -> new Entry(dir.resolve(e.getKey()), e.getValue())).toList();
    }
}
