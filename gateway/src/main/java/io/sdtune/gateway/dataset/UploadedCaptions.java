package io.sdtune.gateway.dataset;

import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.diffusion.training.ImageCaptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The captions uploaded with a dataset's images, in either form the tools keep them ({@link ImageCaptions}): kohya's
 * {@code NAME.txt} beside {@code NAME.png}, or one diffusers {@code metadata.jsonl} naming the images by file name.
 * Each caption must name an uploaded image, no image may have two, and each is a prompt as the contracts bound one
 * (at most {@link Limits#MAX_PROMPT_CHARS} characters, no control characters), since it is what the text encoder
 * reads in training.
 */
final class UploadedCaptions {
    /** Bytes of one caption file: a caption's 1000 characters in UTF-8 at most 4 bytes each, a byte-order mark. */
    static final int MAX_CAPTION_FILE_BYTES = 4 * Limits.MAX_PROMPT_CHARS + 3;
    /** Bytes of a {@code metadata.jsonl} line beside its caption: the JSON object's keys, quotes and a file name. */
    private static final int METADATA_LINE_OVERHEAD_BYTES = 1024;

    /** Captioned images, the caption by the image's index in the upload. */
    private final Map<Integer, String> byImage = new LinkedHashMap<>();

    private UploadedCaptions() {
    }

    /** The bytes a {@code metadata.jsonl} may take for {@code images} images (JSON escapes a character in 6 at most). */
    static long maxMetadataBytes(int images) {
        return (long) images * (6L * Limits.MAX_PROMPT_CHARS + METADATA_LINE_OVERHEAD_BYTES);
    }

    /** No captions. */
    static UploadedCaptions none() {
        return new UploadedCaptions();
    }

    /** Whether the part named {@code fileName} is captions rather than an image: the name decides. */
    static boolean isCaptionFile(String fileName) {
        return fileName != null && ImageCaptions.isCaptionFile(fileName);
    }

    /**
     * Reads the caption parts against the images' file names ({@code imageNames}, by upload index); each problem is
     * reported to {@code problems} under the caption file's name.
     */
    static UploadedCaptions read(Map<Integer, String> imageNames, List<Part> parts, int maxImages,
            Consumer<String> problems) {
        Map<String, Integer> images = new HashMap<>();
        Map<String, Integer> stems = new HashMap<>();
        imageNames.forEach((index, name) -> {
            // an ambiguous name captions nothing: -1
            images.merge(name, index, (a, b) -> -1);
            stems.merge(ImageCaptions.captionFileOf(name), index, (a, b) -> -1);
        });
        UploadedCaptions captions = new UploadedCaptions();
        boolean metadataSeen = false;
        for (Part part : parts) {
            String name = part.label();
            try {
                if (part.fileName().equals(ImageCaptions.METADATA)) {
                    if (metadataSeen) {
                        problems.accept(name + " is a second " + ImageCaptions.METADATA + ": send one");
                        continue;
                    }
                    metadataSeen = true;
                    if (part.size() > maxMetadataBytes(maxImages)) {
                        problems.accept(name + " has " + part.size() + " bytes, at most " + maxMetadataBytes(maxImages));
                        continue;
                    }
                    Map<String, String> lines = ImageCaptions.parseMetadata(name, decode(part.file()).lines()
                            .toList());
                    lines.forEach((imageName, text) -> captions.add(name + ": " + imageName, images.get(imageName),
                            text, problems));
                } else {
                    if (part.size() > MAX_CAPTION_FILE_BYTES) {
                        problems.accept(name + " has " + part.size() + " bytes, at most " + MAX_CAPTION_FILE_BYTES
                                + " for a caption");
                        continue;
                    }
                    captions.add(name, stems.get(part.fileName()), decode(part.file()).strip(), problems);
                }
            } catch (CharacterCodingException e) {
                problems.accept(name + " is not UTF-8 text");
            } catch (IllegalArgumentException e) {
                problems.accept(e.getMessage());
            } catch (IOException e) {
                problems.accept(name + " could not be read: " + e.getMessage());
            }
        }
        return captions;
    }

    /** The caption of the image uploaded at {@code index}, or null. */
    String of(int index) {
        return byImage.get(index);
    }

    boolean isEmpty() {
        return byImage.isEmpty();
    }

    private void add(String name, Integer image, String text, Consumer<String> problems) {
        if (image == null) {
            problems.accept(name + " names no uploaded image (captions go with the image of the same name: "
                    + "cat1.txt with cat1.jpg)");
        } else if (image < 0) {
            problems.accept(name + " names an image uploaded twice under that name: which one is meant is unclear");
        } else if (byImage.containsKey(image)) {
            problems.accept(name + " captions an image that already has a caption");
        } else {
            Problems p = new Problems();
            p.text(name, text, Limits.MAX_PROMPT_CHARS, false);
            p.all().forEach(problems);
            byImage.put(image, text);
        }
    }

    private static String decode(Path file) throws IOException {
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                .toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** A caption part of the upload: {@code label} names it in problems, as {@code images[3] (cat1.txt)}. */
    record Part(String label, String fileName, Path file, long size) {
    }
}
