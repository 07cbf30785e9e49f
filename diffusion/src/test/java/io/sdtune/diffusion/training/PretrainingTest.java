package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sd pretrain} in miniature (32 px, a few steps of each phase): both phases learn, the model is a diffusers
 * folder that draws, the run repeats from its seed, and the judge scores what it draws.
 */
class PretrainingTest {

    private static Pretraining.Args args(Path out) {
        return new Pretraining.Args(out, 32, 16, 12, 4, 1e-3, 12, 4, 1e-3, 5, Device.CPU);
    }

    @Test
    void bothPhasesLearnAndTheModelDrawsAndRepeatsFromItsSeed(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");

        Pretraining.Result result = Pretraining.run(args(first), (s, t, l, lr, sps) -> { }, line -> { });
        Pretraining.run(args(second), (s, t, l, lr, sps) -> { }, line -> { });
        double score = Pretraining.evaluate(first, 2, 99, Device.CPU);

        assertThat(tail(result.vaeLosses())).isLessThan(result.vaeLosses()[0]);
        assertThat(tail(result.unetLosses())).isLessThan(result.unetLosses()[0]);
        try (StableDiffusion model = StableDiffusion.load(first)) {
            assertThat(model.vaeConfig().downscale()).isEqualTo(4);
            assertThat(model.vaeConfig().scalingFactor()).as("1 / std of the latents").isNotEqualTo(1.0);
        }
        assertThat(Files.readAllBytes(second.resolve("unet/diffusion_pytorch_model.safetensors")))
                .isEqualTo(Files.readAllBytes(first.resolve("unet/diffusion_pytorch_model.safetensors")));
        assertThat(score).isBetween(0.0, 1.0);
        assertThat(dir.resolve("first.work")).doesNotExist();
    }

    /** The mean of the last three losses. */
    private static double tail(double[] losses) {
        return Arrays.stream(losses, losses.length - 3, losses.length).average().orElseThrow();
    }
}
