package io.sdtune.diffusion.training;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The training images of a folder, prepared as the diffusers scripts prepare them: the shorter side
 * resized to {@code resolution} (bilinear), a center crop to a square, values scaled to [-1, 1],
 * channels first. With {@code randomFlip}, each image also comes mirrored, and training picks either.
 */
public final class InstanceImages {
    private static final System.Logger LOG = System.getLogger(InstanceImages.class.getName());

    private final List<float[]> pixels;
    private final int resolution;

    private InstanceImages(List<float[]> pixels, int resolution) {
        this.pixels = pixels;
        this.resolution = resolution;
    }

    /**
     * Reads every file of {@code dir} (hidden files skipped). A file that is not a readable image is an
     * error naming it; an image smaller than the resolution is upscaled with a warning.
     */
    public static InstanceImages load(Path dir, int resolution, boolean randomFlip) {
        return load(dir, resolution, randomFlip, Integer.MAX_VALUE);
    }

    /** The first {@code limit} files of {@code dir} in name order, read as {@link #load(Path, int, boolean)} does. */
    public static InstanceImages load(Path dir, int resolution, boolean randomFlip, int limit) {
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
        List<float[]> pixels = new ArrayList<>();
        for (Path file : files) {
            BufferedImage image = read(file);
            if (Math.min(image.getWidth(), image.getHeight()) < resolution) {
                LOG.log(System.Logger.Level.WARNING, file + " is " + image.getWidth() + "x" + image.getHeight()
                        + ", smaller than the resolution " + resolution + ": upscaled");
            }
            BufferedImage square = centerCrop(resizeShorterSide(image, resolution), resolution);
            pixels.add(toTensor(square, false));
            if (randomFlip) {
                pixels.add(toTensor(square, true));
            }
        }
        return new InstanceImages(pixels, resolution);
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

    /** Whether {@code file} is read as a training image: a regular file, not hidden. */
    private static boolean isCandidate(Path file) {
        return Files.isRegularFile(file) && !file.getFileName().toString().startsWith(".");
    }

    /** The prepared variants: {@code [3, resolution, resolution]} each, row-major, in [-1, 1]. */
    public List<float[]> pixels() {
        return pixels;
    }

    public int resolution() {
        return resolution;
    }

    private static BufferedImage read(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new IllegalArgumentException(file + " is not an image (PNG, JPEG, BMP or GIF)");
            }
            return image;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read as an image: " + e.getMessage(), e);
        }
    }

    private static BufferedImage resizeShorterSide(BufferedImage image, int size) {
        double scale = (double) size / Math.min(image.getWidth(), image.getHeight());
        int w = Math.max(size, (int) Math.round(image.getWidth() * scale));
        int h = Math.max(size, (int) Math.round(image.getHeight() * scale));
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

    private static float[] toTensor(BufferedImage image, boolean mirrored) {
        int size = image.getWidth();
        float[] t = new float[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = image.getRGB(mirrored ? size - 1 - x : x, y);
                int at = y * size + x;
                t[at] = ((rgb >> 16) & 0xff) / 127.5f - 1;
                t[size * size + at] = ((rgb >> 8) & 0xff) / 127.5f - 1;
                t[2 * size * size + at] = (rgb & 0xff) / 127.5f - 1;
            }
        }
        return t;
    }
}
