package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import io.sdtune.diffusion.runtime.Device;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VaeTrainingTest {

    @Test
    void aCropIsOneWindowOfEveryChannel() {
        int side = 4;
        float[] image = new float[3 * side * side];
        for (int i = 0; i < image.length; i++) {
            image[i] = i;
        }

        float[] crop = VaeTraining.crop(image, side, 2, new SplittableRandom(3));

        // Each channel's window starts at the same (top, left) and keeps the image's row order.
        int top = (int) crop[0] / side;
        int left = (int) crop[0] % side;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 2; x++) {
                    assertThat(crop[(c * 2 + y) * 2 + x]).isEqualTo((c * side + top + y) * side + left + x);
                }
            }
        }
        assertThat(VaeTraining.crop(image, side, side, new SplittableRandom(3))).isSameAs(image);
    }

    @Test
    void aCropTheLatentsCannotDivideIsRefused() {
        AutoencoderKLConfig config = AutoencoderKLConfig.world();
        VaeTraining.Args args = new VaeTraining.Args(1, 1, 18, 1e-3, 1e-4);

        assertThatThrownBy(() -> VaeTraining.train(config, key -> null, List.of(new float[3 * 32 * 32]), 32, args, 0,
                Device.CPU))
                .hasMessage("the VAE's crop size must be a multiple of 4 no larger than the images' 32 pixels, got 18");
    }
}
