package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.training.InstanceImages.Crop;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a wide image becomes a training square under each of the scripts' crop choices. */
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
}
