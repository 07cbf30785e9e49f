package io.sdtune.gateway.dataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** An uploaded file that decodes as an image, with the file extension of its real format. */
record UploadedImage(Path file, long size, String extension) {
    /** The longest side taken: far above any training resolution, and a bound on what a small file may expand to. */
    static final int MAX_SIDE = 16384;
    /** Pixels decoded at most: a larger image is checked through a subsampled read, all of its data still read. */
    private static final long MAX_DECODED_PIXELS = 1L << 20;

    /** Why a file is refused. */
    enum Problem {
        NOT_AN_IMAGE, TOO_LARGE
    }

    /**
     * The file as an image, else the problem: no image reader of this JVM decodes it whole (PNG, JPEG, GIF, BMP;
     * WebP where a plugin is present) - the bytes decide, never the name or the declared content type - or a
     * side is above {@link #MAX_SIDE}. A compressed file can describe far more pixels than its bytes (a
     * "decompression bomb"), so the size is read from the header first, and a large image is decoded
     * subsampled: every byte is still read and checked, at most about a million pixels are held.
     */
    static UploadedImage decode(Path file, long size) throws RefusedUpload {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new RefusedUpload(Problem.NOT_AN_IMAGE);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width > MAX_SIDE || height > MAX_SIDE) {
                    throw new RefusedUpload(Problem.TOO_LARGE, width + "x" + height);
                }
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
            throw new RefusedUpload(Problem.NOT_AN_IMAGE);
        }
    }

    /** A file refused, with the problem and, for a size, the size found. */
    static final class RefusedUpload extends Exception {
        private final Problem problem;

        RefusedUpload(Problem problem) {
            this(problem, "");
        }

        RefusedUpload(Problem problem, String detail) {
            super(detail, null, false, false);
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }

    private static String extensionOf(String format) {
        String name = format.toLowerCase(Locale.ROOT);
        return name.equals("jpeg") ? "jpg" : name;
    }
}
