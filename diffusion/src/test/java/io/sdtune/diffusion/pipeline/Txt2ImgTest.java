package io.sdtune.diffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.image.Png;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.scheduler.SeededNoise;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text to image with the tiny model on the CPU: a few seconds per image. */
class Txt2ImgTest {
    @TempDir
    static Path dir;
    static Path modelDir;

    @BeforeAll
    static void writeTinyModel() {
        modelDir = dir.resolve("tiny-sd");
        TinyModel.write(modelDir, false, DType.FLOAT32, 0, file -> { });
    }

    private static GenerationParams params(long seed, String scheduler) {
        return GenerationParams.of("a photo of sks dog", seed).withSize(64, 64).withSteps(4, scheduler);
    }

    private static List<GeneratedImage> generate(Path model, GenerationParams p) {
        try (StableDiffusion sd = StableDiffusion.load(model); Txt2Img pipeline = new Txt2Img(sd, Device.CPU, DType.FLOAT32)) {
            return pipeline.generate(p, null);
        }
    }

    @Test
    void theSameSeedGivesTheSameImageAndAnotherSeedAnotherOne() {
        byte[] first = generate(modelDir, params(42, "dpmpp_2m")).get(0).rgb();
        byte[] again = generate(modelDir, params(42, "dpmpp_2m")).get(0).rgb();
        byte[] other = generate(modelDir, params(43, "dpmpp_2m")).get(0).rgb();

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void everySchedulerDenoisesToAnImage() {
        for (String scheduler : List.of("ddim", "euler_a", "dpmpp_2m", "pndm")) {
            GeneratedImage image = generate(modelDir, params(1, scheduler)).get(0);

            assertThat(image.width()).isEqualTo(64);
            assertThat(image.rgb()).hasSize(64 * 64 * 3);
            assertThat(image.text().get("parameters")).contains("Steps: 4").contains("Seed: 1")
                    .contains(GenerationParams.SAMPLER_NAMES.get(scheduler));
        }
    }

    @Test
    void givenLatentsReplaceTheSeededNoise() {
        float[] noise = new SeededNoise(7).standardNormal(4 * 8 * 8);
        double[] values = new double[noise.length];
        for (int i = 0; i < noise.length; i++) {
            values[i] = noise[i];
        }
        TensorData latents = TensorData.of(DType.FLOAT32, Shape.of(1, 4, 8, 8), values);
        GenerationParams p = params(999, "ddim");
        GenerationParams withLatents = new GenerationParams(p.prompt(), p.negativePrompt(), p.numInferenceSteps(),
                p.guidanceScale(), p.scheduler(), p.seed(), p.height(), p.width(), 1, latents);

        assertThat(generate(modelDir, withLatents).get(0).rgb()).isEqualTo(generate(modelDir, params(7, "ddim")).get(0).rgb());
    }

    @Test
    void severalImagesPerPromptUseConsecutiveSeeds() {
        GenerationParams p = params(10, "ddim");
        GenerationParams two = new GenerationParams(p.prompt(), "blurry", p.numInferenceSteps(), p.guidanceScale(),
                p.scheduler(), 10, 64, 64, 2, null);
        GenerationParams eleven = new GenerationParams(p.prompt(), "blurry", p.numInferenceSteps(), p.guidanceScale(),
                p.scheduler(), 11, 64, 64, 1, null);

        List<GeneratedImage> images = generate(modelDir, two);

        assertThat(images).hasSize(2);
        assertThat(images.get(1).text().get("parameters")).contains("Seed: 11").contains("Negative prompt: blurry");
        byte[] alone = generate(modelDir, eleven).get(0).rgb();
        int differing = 0;
        for (int i = 0; i < alone.length; i++) {
            differing += Math.abs(alone[i] - images.get(1).rgb()[i]) > 1 ? 1 : 0;
        }
        assertThat(differing).as("pixels differing by more than rounding").isZero();
    }

    @Test
    void aSavedImageCarriesItsParameters() {
        GeneratedImage image = generate(modelDir, params(5, "euler_a")).get(0);
        Path file = dir.resolve("out.png");

        image.save(file);

        assertThat(Png.readText(file).get("parameters"))
                .startsWith("a photo of sks dog\nSteps: 4, Sampler: Euler a, CFG scale: 7.5, Seed: 5, Size: 64x64, Model: tiny-sd");
    }

    @Test
    void badSizesAndSchedulersAreRejectedBeforeAnyWork() {
        assertThatThrownBy(() -> params(1, "ddim").withSize(60, 64)).hasMessageContaining("multiples of 8, got 60x64");
        assertThatThrownBy(() -> params(1, "k_lms")).hasMessageContaining("unknown scheduler 'k_lms'");
    }
}
