package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.training.InstanceImages.Crop;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a wide image becomes a training square under each of the scripts' crop choices; how large ones are read. */
class InstanceImagesTest {
    @TempDir
    static Path dir;

    /** 120 x 60: the left half black, the right half white. */
    @BeforeAll
    static void wideImage() throws Exception {
        BufferedImage image = new BufferedImage(120, 60, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 60; y++) {
            for (int x = 60; x < 120; x++) {
                image.setRGB(x, y, 0xffffff);
            }
        }
        ImageIO.write(image, "png", dir.resolve("wide.png").toFile());
    }

    private static InstanceImages.Image load(Crop crop) {
        List<InstanceImages.Image> images = InstanceImages.load(dir, 32, crop, false).images();
        assertThat(images).hasSize(1);
        return images.get(0);
    }

    /** The red channel at column x of the first row, in [-1, 1]. */
    private static float red(InstanceImages.Image image, int x) {
        return image.pixels()[x];
    }

    @Test
    void centerCropKeepsTheMiddleSquare() {
        InstanceImages.Image image = load(Crop.CENTER);

        assertThat(image.width()).isEqualTo(32);
        assertThat(image.height()).isEqualTo(32);
        assertThat(red(image, 4)).isEqualTo(-1);
        assertThat(red(image, 27)).isEqualTo(1);
    }

    @Test
    void randomCropKeepsTheWholeResizedImageToCropWhenDrawn() {
        InstanceImages.Image image = load(Crop.RANDOM);

        assertThat(image.height()).isEqualTo(32);
        assertThat(image.width()).isEqualTo(64);
        assertThat(red(image, 0)).isEqualTo(-1);
        assertThat(red(image, 63)).isEqualTo(1);
    }

    @Test
    void resizeSqueezesTheWholeImageIntoTheSquare() {
        InstanceImages.Image image = load(Crop.RESIZE);

        assertThat(image.width()).isEqualTo(32);
        assertThat(red(image, 0)).isEqualTo(-1);
        assertThat(red(image, 31)).isEqualTo(1);
    }

    /** 4096 x 2048, the left half black: a 64-pixel training image needs every 32nd pixel of every 32nd row. */
    @Test
    void aLargeImageIsDecodedSubsampledToTheSameTrainingShape(@TempDir Path large) throws Exception {
        BufferedImage image = new BufferedImage(4096, 2048, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 2048; y++) {
            for (int x = 2048; x < 4096; x++) {
                image.getRaster().setSample(x, y, 0, 255);
            }
        }
        Path file = large.resolve("large.png");
        ImageIO.write(image, "png", file.toFile());

        BufferedImage decoded = InstanceImages.decode(file, 64);
        InstanceImages.Image prepared = InstanceImages.load(large, 64, Crop.RANDOM, false).images().get(0);

        assertThat(decoded.getWidth()).isEqualTo(128);
        assertThat(decoded.getHeight()).isEqualTo(64);
        assertThat(prepared.width()).isEqualTo(128);
        assertThat(prepared.height()).isEqualTo(64);
        assertThat(red(prepared, 0)).isEqualTo(-1);
        assertThat(red(prepared, 127)).isEqualTo(1);
    }

    /** Below twice the resolution an image is decoded whole, pixel for pixel as ImageIO.read decodes it. */
    @Test
    void aSmallImageIsDecodedAsImageIoReadsIt(@TempDir Path small) throws Exception {
        BufferedImage noise = new BufferedImage(120, 63, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int y = 0; y < noise.getHeight(); y++) {
            for (int x = 0; x < noise.getWidth(); x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        for (String format : List.of("png", "jpg")) {
            Path file = small.resolve("noise." + format);
            ImageIO.write(noise, format, file.toFile());

            BufferedImage decoded = InstanceImages.decode(file, 32);
            BufferedImage read = ImageIO.read(file.toFile());

            assertThat(decoded.getType()).as(format).isEqualTo(read.getType());
            assertThat(rgb(decoded)).as(format).isEqualTo(rgb(read));
        }
    }

    @Test
    void anImageWiderThanTheAspectRatioLimitIsRefusedByItsHeader(@TempDir Path strips) throws Exception {
        Path strip = Files.createDirectories(strips.resolve("strip"));
        Files.write(strip.resolve("strip.png"), pngClaiming(20000, 100));
        Path widest = Files.createDirectories(strips.resolve("widest"));
        ImageIO.write(new BufferedImage(1024, 64, BufferedImage.TYPE_INT_RGB), "png", widest.resolve("16to1.png").toFile());

        assertThatThrownBy(() -> InstanceImages.load(strip, 64, Crop.CENTER, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(strip.resolve("strip.png") + " is 20000x100 pixels: an aspect ratio of 200:1, at most 16:1");
        assertThat(InstanceImages.load(widest, 64, Crop.CENTER, false).images()).hasSize(1);
    }

    @Test
    void anImageOfMoreThan64MegapixelsIsRefusedByItsHeader(@TempDir Path huge) throws Exception {
        Files.write(huge.resolve("huge.png"), pngClaiming(16384, 16384));

        assertThatThrownBy(() -> InstanceImages.load(huge, 512, Crop.CENTER, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(huge.resolve("huge.png") + " is 16384x16384 pixels: 268435456 pixels, at most 67108864");
    }

    /** A 1x1 PNG whose header says it is {@code width x height}: its pixel data would not decode. */
    private static byte[] pngClaiming(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), "png", out);
        ByteBuffer png = ByteBuffer.wrap(out.toByteArray());
        // the signature (8 bytes), then IHDR: length, type, width, height, 5 more bytes, the CRC of type and data
        png.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png.array(), 12, 17);
        png.putInt(29, (int) crc.getValue());
        return png.array();
    }

    private static int[] rgb(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
