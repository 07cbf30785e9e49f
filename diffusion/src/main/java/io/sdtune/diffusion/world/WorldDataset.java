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
import java.util.function.BiFunction;
import java.util.function.Function;
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

    /** How a dataset's images are captioned. */
    public enum Captions {
        /** Each scene's whole caption ({@link Scene#caption}), which the {@link Judge} reads back. */
        WHOLE,
        /** As people write prompts ({@link VariedCaptions}), to train on. */
        VARIED
    }

    /**
     * Writes {@code count} random scenes, {@code side} pixels square, drawn from {@code seed}; returns the entries.
     * Varied captions are drawn from a stream of their own (from {@code ~seed}): the images are the same either way.
     */
    public static List<Entry> write(Path dir, int count, int side, long seed, Captions captions) {
        SplittableRandom variation = new SplittableRandom(~seed);
        return write(dir, count, side, new SplittableRandom(seed), (i, random) -> Scene.random(random),
                captions == Captions.WHOLE ? Scene::caption : scene -> VariedCaptions.of(scene, variation));
    }

    /**
     * Writes {@code count} scenes, {@code side} pixels square, the i-th made by {@code scene} from {@code random} just
     * before it is drawn from it, with their whole captions; returns the entries.
     */
    public static List<Entry> write(Path dir, int count, int side, SplittableRandom random,
            BiFunction<Integer, SplittableRandom, Scene> scene) {
        return write(dir, count, side, random, scene, Scene::caption);
    }

    private static List<Entry> write(Path dir, int count, int side, SplittableRandom random,
            BiFunction<Integer, SplittableRandom, Scene> scene, Function<Scene, String> caption) {
        Map<String, String> captions = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < count; i++) {
                Scene drawn = scene.apply(i, random);
                BufferedImage image = SceneRenderer.render(drawn, side, random);
                String name = String.format("%06d.png", i);
                ImageIO.write(image, "png", dir.resolve(name).toFile());
                captions.put(name, caption.apply(drawn));
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
