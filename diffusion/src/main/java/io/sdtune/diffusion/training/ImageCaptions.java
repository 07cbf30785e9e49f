package io.sdtune.diffusion.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The captions of a training folder's images, as the tools people use keep them: diffusers' {@code imagefolder}
 * ({@code metadata.jsonl}, one {@code {"file_name": ..., "text": ...}} per line, what {@code train_text_to_image.py}
 * reads) or kohya's (a {@code .txt} beside each image, its whole text the caption). An image with a caption trains
 * on it instead of the instance prompt.
 */
public final class ImageCaptions {
    public static final String METADATA = "metadata.jsonl";
    public static final String CAPTION_EXTENSION = ".txt";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageCaptions() {
    }

    /** Whether {@code file} holds captions rather than an image. */
    static boolean isCaptionFile(Path file) {
        String name = file.getFileName().toString();
        return name.equals(METADATA) || name.endsWith(CAPTION_EXTENSION);
    }

    /**
     * Each captioned image's caption by file name: {@code metadata.jsonl}'s, then a {@code .txt}'s for an image it
     * does not name; empty when the folder has neither.
     *
     * @throws IllegalArgumentException naming a {@code metadata.jsonl} line that is not such an object
     */
    public static Map<String, String> read(Path dir) {
        Map<String, String> captions = new LinkedHashMap<>();
        try {
            Path metadata = dir.resolve(METADATA);
            if (Files.isRegularFile(metadata)) {
                List<String> lines = Files.readAllLines(metadata);
                for (int n = 0; n < lines.size(); n++) {
                    if (lines.get(n).isBlank()) {
                        continue;
                    }
                    JsonNode line = JSON.readTree(lines.get(n));
                    if (!line.path("file_name").isTextual() || !line.path("text").isTextual()) {
                        throw new IllegalArgumentException(metadata + " line " + (n + 1)
                                + ": expected {\"file_name\": ..., \"text\": ...}");
                    }
                    captions.put(line.get("file_name").asText(), line.get("text").asText());
                }
            }
            List<Path> files;
            try (Stream<Path> listed = Files.list(dir)) {
                files = listed.sorted().toList();
            }
            for (Path file : files) {
                String name = file.getFileName().toString();
                int dot = name.lastIndexOf('.');
                Path txt = dir.resolve((dot > 0 ? name.substring(0, dot) : name) + CAPTION_EXTENSION);
                if (!isCaptionFile(file) && !captions.containsKey(name) && Files.isRegularFile(txt)) {
                    captions.put(name, Files.readString(txt).strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the captions of " + dir + ": " + e.getMessage(), e);
        }
        return captions;
    }

    /** Writes {@code captions} (by image file name, in order) as {@code dir}'s {@code metadata.jsonl}. */
    public static void write(Path dir, Map<String, String> captions) {
        try (BufferedWriter out = Files.newBufferedWriter(dir.resolve(METADATA))) {
            for (Map.Entry<String, String> c : captions.entrySet()) {
                out.write(JSON.writeValueAsString(Map.of("file_name", c.getKey(), "text", c.getValue())));
                out.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(METADATA) + ": " + e.getMessage(), e);
        }
    }
}
