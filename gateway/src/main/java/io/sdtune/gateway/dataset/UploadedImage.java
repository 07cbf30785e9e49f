package io.sdtune.gateway.dataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** An uploaded file that decodes as an image, with the file extension of its real format. */
record UploadedImage(Path file, long size, String extension) {

    /**
     * The file as an image, or empty when no image reader of this JVM decodes it whole (PNG, JPEG, GIF, BMP;
     * WebP where a plugin is present). The bytes decide, never the name or the declared content type.
     */
    static Optional<UploadedImage> decode(Path file, long size) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return Optional.empty();
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                reader.read(0);
                return Optional.of(new UploadedImage(file, size, extensionOf(reader.getFormatName())));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // ImageIO reports a truncated or corrupt file by either
            return Optional.empty();
        }
    }

    private static String extensionOf(String format) {
        String name = format.toLowerCase(Locale.ROOT);
        return name.equals("jpeg") ? "jpg" : name;
    }
}
