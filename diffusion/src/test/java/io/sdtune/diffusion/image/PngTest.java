package io.sdtune.diffusion.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngTest {

    @Test
    void writesPixelsAnyDecoderReadsAndKeepsTheGenerationParameters(@TempDir Path dir) throws Exception {
        byte[] rgb = new byte[2 * 3 * 3];
        rgb[0] = (byte) 255;
        rgb[4] = (byte) 200;
        rgb[17] = 7;
        String parameters = "a photo of sks dog\nNegative prompt: blurry\nSteps: 50, Sampler: DPM++ 2M, CFG scale: 7.5";
        Path file = dir.resolve("image.png");

        Png.write(file, 3, 2, rgb, Map.of("parameters", parameters));

        BufferedImage decoded = ImageIO.read(file.toFile());
        assertThat(decoded.getWidth()).isEqualTo(3);
        assertThat(decoded.getHeight()).isEqualTo(2);
        assertThat(decoded.getRGB(0, 0)).isEqualTo(0xffff0000);
        assertThat(decoded.getRGB(1, 0)).isEqualTo(0xff00c800);
        assertThat(decoded.getRGB(2, 1)).isEqualTo(0xff000007);
        assertThat(Png.readText(file)).containsEntry("parameters", parameters);
    }
}
