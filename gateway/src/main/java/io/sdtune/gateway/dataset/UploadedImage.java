package io.sdtune.gateway.dataset;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** An uploaded file that decodes as an image, with the file extension of its real format. */
record UploadedImage(Path file, long size, String extension) {
    /** Pixels decoded at most: a larger image is checked through a subsampled read, all of its data still read. */
    private static final long MAX_DECODED_PIXELS = 1L << 20;

    /**
     * The file as an image, else why not: no image reader of this JVM decodes it whole (PNG, JPEG, GIF, BMP; WebP
     * where a plugin is present) - the bytes decide, never the name or the declared content type - or its size
     * is above the limits' pixels or aspect ratio. A compressed file can describe far more pixels than its bytes
     * (a "decompression bomb"), so the size is read from the header first, and a large image is decoded
     * subsampled: every byte is still read and checked, at most about a million pixels are held.
     */
    static UploadedImage decode(Path file, long size, DatasetLimits limits) throws RefusedUpload {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw RefusedUpload.notAnImage();
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                checkSize(width, height, limits);
                ImageReadParam param = reader.getDefaultReadParam();
                int step = (int) Math.ceil(Math.sqrt((double) width * height / MAX_DECODED_PIXELS));
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                reader.read(0, param);
                return new UploadedImage(file, size, extensionOf(reader.getFormatName()));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // ImageIO reports a truncated or corrupt file by either
            throw RefusedUpload.notAnImage();
        }
    }

    private static void checkSize(int width, int height, DatasetLimits limits) throws RefusedUpload {
        List<String> problems = new ArrayList<>();
        long pixels = (long) width * height;
        if (pixels > limits.maxImagePixels()) {
            problems.add(pixels + " pixels, at most " + limits.maxImagePixels() + " per image");
        }
        double ratio = (double) Math.max(width, height) / Math.max(1, Math.min(width, height));
        if (ratio > limits.maxAspectRatio()) {
            problems.add("an aspect ratio of " + ratio(ratio) + ", at most " + ratio(limits.maxAspectRatio()));
        }
        if (!problems.isEmpty()) {
            throw new RefusedUpload("is " + width + "x" + height + " pixels: " + String.join(" and ", problems));
        }
    }

    /** {@code 256:1}, {@code 4.27:1}. */
    private static String ratio(double ratio) {
        return BigDecimal.valueOf(ratio).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + ":1";
    }

    /** A file refused; the message says why, as a phrase after the file's name ("is not an image ..."). */
    static final class RefusedUpload extends Exception {
        RefusedUpload(String reason) {
            super(reason, null, false, false);
        }

        static RefusedUpload notAnImage() {
            return new RefusedUpload("is not an image this gateway can read (PNG, JPEG, GIF, BMP)");
        }
    }

    private static String extensionOf(String format) {
        String name = format.toLowerCase(Locale.ROOT);
        return name.equals("jpeg") ? "jpg" : name;
    }
}
