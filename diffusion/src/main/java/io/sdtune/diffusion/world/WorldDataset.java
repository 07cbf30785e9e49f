package io.sdtune.diffusion.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Images of the world with their captions in a folder as diffusers' {@code imagefolder} datasets keep them (what
 * {@code train_text_to_image.py} reads): the PNGs and a {@code metadata.jsonl}, one
 * {@code {"file_name": ..., "text": caption}} per line.
 */
public final class WorldDataset {
    public static final String METADATA = "metadata.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An image of the folder and its caption. */
    public record Entry(Path image, String caption) {
    }

    private WorldDataset() {
    }

    /** Writes {@code count} random scenes, {@code side} pixels square, drawn from {@code seed}; returns the entries. */
    public static List<Entry> write(Path dir, int count, int side, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Entry> entries = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            try (BufferedWriter metadata = Files.newBufferedWriter(dir.resolve(METADATA))) {
                for (int i = 0; i < count; i++) {
                    Scene scene = Scene.random(random);
                    BufferedImage image = SceneRenderer.render(scene, side, random);
                    String name = String.format("%06d.png", i);
                    ImageIO.write(image, "png", dir.resolve(name).toFile());
                    metadata.write(JSON.writeValueAsString(Map.of("file_name", name, "text", scene.caption())));
                    metadata.newLine();
                    entries.add(new Entry(dir.resolve(name), scene.caption()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the world's images to " + dir + ": " + e.getMessage(), e);
        }
        return entries;
    }

    /**
     * The entries of {@code dir}'s {@code metadata.jsonl}.
     *
     * @throws IllegalArgumentException naming the line that is not an object with {@code file_name} and {@code text}
     */
    public static List<Entry> read(Path dir) {
        List<Entry> entries = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(dir.resolve(METADATA));
            for (int n = 0; n < lines.size(); n++) {
                if (lines.get(n).isBlank()) {
                    continue;
                }
                JsonNode line = JSON.readTree(lines.get(n));
                if (!line.path("file_name").isTextual() || !line.path("text").isTextual()) {
                    throw new IllegalArgumentException(dir.resolve(METADATA) + " line " + (n + 1)
                            + ": expected {\"file_name\": ..., \"text\": ...}");
                }
                entries.add(new Entry(dir.resolve(line.get("file_name").asText()), line.get("text").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(METADATA) + ": " + e.getMessage(), e);
        }
        return entries;
    }
}
