package io.sdtune.diffusion.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    /** Whether a file named {@code name} holds captions rather than an image: the name decides, as for both tools. */
    public static boolean isCaptionFile(String name) {
        return name.equals(METADATA) || name.endsWith(CAPTION_EXTENSION);
    }

    /** The name of kohya's caption file of the image {@code imageName}: {@code cat1.jpg} -> {@code cat1.txt}. */
    public static String captionFileOf(String imageName) {
        int dot = imageName.lastIndexOf('.');
        return (dot > 0 ? imageName.substring(0, dot) : imageName) + CAPTION_EXTENSION;
    }

    /**
     * The captions of a {@code metadata.jsonl}'s lines by image file name, in order; blank lines are skipped.
     *
     * @param source names the file in the message of the exception
     * @throws IllegalArgumentException naming the first line that is not a {@code {"file_name": ..., "text": ...}}
     *                                  object, or that names an image a line before it named
     */
    public static Map<String, String> parseMetadata(String source, List<String> lines) {
        Map<String, String> captions = new LinkedHashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            JsonNode line;
            try {
                line = JSON.readTree(lines.get(n));
            } catch (IOException e) {
                line = null;
            }
            if (line == null || !line.path("file_name").isTextual() || !line.path("text").isTextual()) {
                throw new IllegalArgumentException(source + " line " + (n + 1)
                        + ": expected {\"file_name\": ..., \"text\": ...}");
            }
            if (captions.put(line.get("file_name").asText(), line.get("text").asText()) != null) {
                throw new IllegalArgumentException(source + " line " + (n + 1) + ": "
                        + line.get("file_name").asText() + " is captioned on an earlier line too");
            }
        }
        return captions;
    }

    /** {@code captions} (by image file name, in order) as a {@code metadata.jsonl}'s text. */
    public static String toMetadata(Map<String, String> captions) {
        StringBuilder jsonl = new StringBuilder();
        try {
            for (Map.Entry<String, String> c : captions.entrySet()) {
                jsonl.append(JSON.writeValueAsString(Map.of("file_name", c.getKey(), "text", c.getValue())))
                        .append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode captions: " + e.getMessage(), e);
        }
        return jsonl.toString();
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
                captions.putAll(parseMetadata(metadata.toString(), Files.readAllLines(metadata)));
            }
            List<Path> files;
            try (Stream<Path> listed = Files.list(dir)) {
                files = listed.sorted().toList();
            }
            for (Path file : files) {
                String name = file.getFileName().toString();
                Path txt = dir.resolve(captionFileOf(name));
                if (!isCaptionFile(name) && !captions.containsKey(name) && Files.isRegularFile(txt)) {
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
        try {
            Files.writeString(dir.resolve(METADATA), toMetadata(captions));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(METADATA) + ": " + e.getMessage(), e);
        }
    }
}
