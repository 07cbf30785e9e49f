package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sd pretrain} in miniature (32 px, a few steps of each phase): both phases train, the model is a diffusers
 * folder that draws, the run repeats from its seed (the second time written in float16), and the judge scores
 * what it draws. And {@code sd train_vae_decoder}'s fine-tuning, which trains the decoder and nothing else.
 */
class PretrainingTest {

    private static Pretraining.Args args(Path out, boolean half) {
        return new Pretraining.Args(out, 32, 16, new VaeTraining.Args(12, 4, 16, 1e-3, Pretraining.KL_WEIGHT),
                new Pretraining.DiffusionPhase(12, 4, 1e-3, "cosine", 2, 5), half, 5, Device.CPU);
    }

    @Test
    void bothPhasesTrainAndTheModelDrawsAndRepeatsFromItsSeed(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");

        Pretraining.Result result = Pretraining.run(args(first, false), (s, t, l, lr, sps) -> { }, line -> { });
        Pretraining.run(args(second, true), (s, t, l, lr, sps) -> { }, line -> { });
        Pretraining.Evaluation evaluation = Pretraining.evaluate(first, 2, 99, Device.CPU);
        Path initial = dir.resolve("initial");
        TinyModel.write(initial, TinyModel.Architecture.WORLD, DType.FLOAT32, 5, c -> { });

        assertThat(tail(result.vaeLosses())).isLessThan(result.vaeLosses()[0]);
        // A dozen batches of four at random timesteps: the UNet's loss is all noise this early, its weights are not.
        assertThat(Arrays.stream(result.unetLosses())).hasSize(12).allMatch(Double::isFinite);
        try (StableDiffusion model = StableDiffusion.load(first); StableDiffusion before = StableDiffusion.load(initial)) {
            assertThat(model.vaeConfig().downscale()).isEqualTo(4);
            assertThat(model.vaeConfig().scalingFactor()).as("1 / std of the latents").isNotEqualTo(1.0);
            assertThat(model.unet().keys()).filteredOn(key -> key.endsWith(".weight"))
                    .allMatch(key -> !Arrays.equals(model.unet().get(key).toFloatArray(),
                            before.unet().get(key).toFloatArray()), "trained");
        }
        try (StableDiffusion model = StableDiffusion.load(first); StableDiffusion half = StableDiffusion.load(second)) {
            assertThat(half.unet().keys()).isEqualTo(model.unet().keys());
            for (String key : model.unet().keys()) {
                assertThat(half.unet().get(key).dtype()).isEqualTo(DType.FLOAT16);
                assertThat(half.unet().get(key).toFloatArray()).as("the same run, written in float16: " + key)
                        .isEqualTo(model.unet().get(key).to(DType.FLOAT16).toFloatArray());
            }
        }
        assertThat(evaluation.images()).isEqualTo(2);
        assertThat(evaluation.score()).isBetween(0.0, 1.0);
        assertThat(evaluation.otherCaptionScore()).isBetween(0.0, 1.0);
        assertThat(dir.resolve("first.work")).doesNotExist();
    }

    @Test
    void theDecoderAloneLearnsAndEverythingElseIsKept(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base");
        Path out = dir.resolve("out");
        TinyModel.write(base, TinyModel.Architecture.WORLD, DType.FLOAT32, 3, c -> { });

        double[] losses = Pretraining.trainVaeDecoder(new Pretraining.DecoderArgs(base, out, 16,
                new VaeTraining.Args(12, 4, 16, 1e-3, Pretraining.KL_WEIGHT), false, 5, Device.CPU), line -> { });

        assertThat(tail(losses)).isLessThan(losses[0]);
        try (StableDiffusion before = StableDiffusion.load(base); StableDiffusion after = StableDiffusion.load(out)) {
            assertThat(after.vaeConfig().scalingFactor()).isEqualTo(before.vaeConfig().scalingFactor());
            for (String key : before.vae().keys()) {
                boolean decoder = key.startsWith("decoder.") || key.startsWith("post_quant_conv.");
                float[] was = before.vae().get(key).toFloatArray();
                float[] is = after.vae().get(key).toFloatArray();
                if (decoder && key.endsWith(".weight")) {
                    assertThat(is).as("trained: " + key).isNotEqualTo(was);
                } else if (!decoder) {
                    assertThat(is).as("kept: " + key).isEqualTo(was);
                }
            }
            for (String key : before.unet().keys()) {
                assertThat(after.unet().get(key).toFloatArray()).as(key).isEqualTo(before.unet().get(key).toFloatArray());
            }
            for (String key : before.textEncoder().keys()) {
                assertThat(after.textEncoder().get(key).toFloatArray()).as(key)
                        .isEqualTo(before.textEncoder().get(key).toFloatArray());
            }
        }
        assertThat(dir.resolve("out.work")).doesNotExist();
    }

    /** The mean of the last three losses. */
    private static double tail(double[] losses) {
        return Arrays.stream(losses, losses.length - 3, losses.length).average().orElseThrow();
    }
}
