package io.sdtune.diffusion.training;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The training images of a folder, prepared as the diffusers scripts prepare them: resized (bilinear)
 * and cropped to a square of {@code resolution} as {@link Crop} says, values scaled to [-1, 1], channels
 * first. With {@code randomFlip}, each image also comes mirrored, and training picks either. An image the folder
 * captions ({@link ImageCaptions}) carries its caption.
 */
public final class InstanceImages {
    private static final System.Logger LOG = System.getLogger(InstanceImages.class.getName());

    /**
     * Pixels of one image as its header declares them: 8192x8192, above a 61 MP camera's photo. Subsampling bounds
     * the memory, not the time: every pixel of the file is still decoded, and a small file can declare billions.
     */
    static final long MAX_PIXELS = 8192L * 8192;

    /**
     * The longer side over the shorter. A random crop encodes the whole resized image, so this bounds it too: at 16:1
     * and 512, 8192x512. (The gateway takes 4:1 at most; images given to the command line come here directly.)
     */
    static final int MAX_ASPECT_RATIO = 16;

    /** How an image becomes a square of the resolution, as the scripts' {@code --center_crop} chooses. */
    public enum Crop {
        /** The shorter side resized to the resolution, the square at the center ({@code --center_crop}). */
        CENTER,
        /**
         * The shorter side resized to the resolution (the longer to a multiple of 8), the square taken at
         * a random offset each time the image is drawn: {@code train_dreambooth.py}'s {@code RandomCrop}.
         */
        RANDOM,
        /** Both sides resized to the resolution, the aspect ratio not kept: {@code textual_inversion.py}'s default. */
        RESIZE
    }

    /** One prepared image: {@code [3, height, width]}, row-major, in [-1, 1]; its caption, or null for none. */
    public record Image(float[] pixels, int height, int width, String caption) {
    }

    private final List<Image> images;
    private final int resolution;

    private InstanceImages(List<Image> images, int resolution) {
        this.images = images;
        this.resolution = resolution;
    }

    /**
     * Reads every file of {@code dir} (hidden files skipped). A file that is not a readable image, or larger than
     * {@link #MAX_PIXELS} or {@link #MAX_ASPECT_RATIO}, is an error naming it; an image at least twice the
     * resolution is decoded subsampled ({@link #decode}); one smaller than the resolution is upscaled with a warning.
     */
    public static InstanceImages load(Path dir, int resolution, Crop crop, boolean randomFlip) {
        return load(dir, resolution, crop, randomFlip, Integer.MAX_VALUE);
    }

    /** The first {@code limit} files of {@code dir} in name order, read as {@link #load(Path, int, Crop, boolean)} does. */
    public static InstanceImages load(Path dir, int resolution, Crop crop, boolean randomFlip, int limit) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("image folder " + dir + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(InstanceImages::isCandidate).sorted().limit(limit).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("image folder " + dir + " holds no images");
        }
        Map<String, String> captions = ImageCaptions.read(dir);
        List<Image> images = new ArrayList<>();
        for (Path file : files) {
            String caption = captions.get(file.getFileName().toString());
            BufferedImage image = decode(file, resolution);
            if (Math.min(image.getWidth(), image.getHeight()) < resolution) {
                LOG.log(System.Logger.Level.WARNING, file + " is " + image.getWidth() + "x" + image.getHeight()
                        + ", smaller than the resolution " + resolution + ": upscaled");
            }
            BufferedImage prepared = switch (crop) {
                case CENTER -> centerCrop(resizeShorterSide(image, resolution), resolution);
                case RANDOM -> resizeShorterSide(image, resolution);
                case RESIZE -> resize(image, resolution, resolution);
            };
            images.add(toTensor(prepared, false, caption));
            if (randomFlip) {
                images.add(toTensor(prepared, true, caption));
            }
        }
        return new InstanceImages(images, resolution);
    }

    /** How many files {@link #load} would read from {@code dir} (0 when it does not exist). */
    public static int count(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return (int) files.filter(InstanceImages::isCandidate).count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code file} is read as a training image: a regular file, not hidden, not captions. */
    private static boolean isCandidate(Path file) {
        return Files.isRegularFile(file) && !file.getFileName().toString().startsWith(".")
                && !ImageCaptions.isCaptionFile(file.getFileName().toString());
    }

    /** The prepared variants: squares of the resolution, or larger for {@link Crop#RANDOM}. */
    public List<Image> images() {
        return images;
    }

    public int resolution() {
        return resolution;
    }

    /**
     * The image of {@code file}, its size read from the header first and refused above the limits, then decoded
     * keeping every {@code n}th pixel of every {@code n}th row, {@code n} = shorter side / {@code minSide} rounded
     * down: the decoded shorter side is below twice {@code minSide}. An image whose shorter side is below that is
     * decoded whole, exactly as {@link ImageIO#read} decodes it.
     */
    static BufferedImage decode(Path file, int minSide) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("it cannot be opened");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException(file + " is not an image (PNG, JPEG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true); // as ImageIO.read sets it
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                requireWithinLimits(file, width, height);
                int step = Math.max(1, Math.min(width, height) / minSide);
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(step, step, 0, 0);
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read as an image: " + e.getMessage(), e);
        }
    }

    private static void requireWithinLimits(Path file, int width, int height) {
        List<String> problems = new ArrayList<>();
        long pixels = (long) width * height;
        if (pixels > MAX_PIXELS) {
            problems.add(pixels + " pixels, at most " + MAX_PIXELS);
        }
        double ratio = (double) Math.max(width, height) / Math.max(1, Math.min(width, height));
        if (ratio > MAX_ASPECT_RATIO) {
            // rounded up, so that a ratio just above the limit does not print as the limit
            String shown = BigDecimal.valueOf(ratio).setScale(2, RoundingMode.UP).stripTrailingZeros().toPlainString();
            problems.add("an aspect ratio of " + shown + ":1, at most " + MAX_ASPECT_RATIO + ":1");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    file + " is " + width + "x" + height + " pixels: " + String.join(" and ", problems));
        }
    }

    /** The shorter side to {@code size}, the longer in proportion, rounded down to a multiple of 8. */
    private static BufferedImage resizeShorterSide(BufferedImage image, int size) {
        double scale = (double) size / Math.min(image.getWidth(), image.getHeight());
        int w = Math.max(size, (int) Math.round(image.getWidth() * scale) / 8 * 8);
        int h = Math.max(size, (int) Math.round(image.getHeight() * scale) / 8 * 8);
        return resize(image, w, h);
    }

    private static BufferedImage resize(BufferedImage image, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    private static BufferedImage centerCrop(BufferedImage image, int size) {
        int x = (image.getWidth() - size) / 2;
        int y = (image.getHeight() - size) / 2;
        return image.getSubimage(x, y, size, size);
    }

    private static Image toTensor(BufferedImage image, boolean mirrored, String caption) {
        int w = image.getWidth();
        int h = image.getHeight();
        int plane = w * h;
        float[] t = new float[3 * plane];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(mirrored ? w - 1 - x : x, y);
                int at = y * w + x;
                t[at] = ((rgb >> 16) & 0xff) / 127.5f - 1;
                t[plane + at] = ((rgb >> 8) & 0xff) / 127.5f - 1;
                t[2 * plane + at] = (rgb & 0xff) / 127.5f - 1;
            }
        }
        return new Image(t, h, w, caption);
    }
}
