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
        TinyModel.write(modelDir, TinyModel.Architecture.TINY, DType.FLOAT32, 0, file -> { });
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
        assertThat(differingPixels(generate(modelDir, eleven).get(0), images.get(1)))
                .as("pixels differing by more than rounding").isZero();
    }

    @Test
    void aBatchOfPromptsDrawsEachAsItWouldAlone() {
        GenerationParams dog = params(3, "dpmpp_2m");
        GenerationParams cats = new GenerationParams("a photo of a cat", "blurry", 4, 7.5, "dpmpp_2m", 8, 64, 64, 2, null);
        List<List<GeneratedImage>> batch;
        try (StableDiffusion sd = StableDiffusion.load(modelDir); Txt2Img pipeline = new Txt2Img(sd, Device.CPU, DType.FLOAT32)) {
            batch = pipeline.generate(List.of(dog, cats), Adapters.none(), null);

            assertThatThrownBy(() -> pipeline.generate(List.of(dog, dog.withSize(64, 128)), Adapters.none(), null))
                    .hasMessageStartingWith("a batch shares steps, guidance, scheduler and size");
        }

        assertThat(batch.get(0)).hasSize(1);
        assertThat(batch.get(1)).hasSize(2);
        assertThat(differingPixels(batch.get(0).get(0), generate(modelDir, dog).get(0))).isZero();
        assertThat(differingPixels(batch.get(1).get(1), generate(modelDir, cats).get(1))).isZero();
        assertThat(batch.get(1).get(1).text().get("parameters"))
                .startsWith("a photo of a cat\nNegative prompt: blurry").contains("Seed: 9");
    }

    @Test
    void sessionsBeyondTheBoundAreClosedLeastRecentlyUsedFirstAndBuiltAgainAlike() {
        GenerationParams small = params(7, "ddim");
        try (StableDiffusion sd = StableDiffusion.load(modelDir); Txt2Img pipeline = new Txt2Img(sd, Device.CPU, DType.FLOAT32, 4)) {
            byte[] first = pipeline.generate(small, null).get(0).rgb();
            assertThat(pipeline.sessionStats()).isEqualTo(new Txt2Img.SessionStats(3, 3, 0));
            long weights = pipeline.weightBytes();
            assertThat(weights).isPositive();

            pipeline.generate(small.withSize(64, 128), null);
            // The text encoder's session serves both sizes; the first size's UNet and VAE are the least recently used.
            assertThat(pipeline.sessionStats()).isEqualTo(new Txt2Img.SessionStats(4, 5, 1));
            // The second size's sessions read the weights the first size's did: one copy for both.
            assertThat(pipeline.weightBytes()).isEqualTo(weights);
            byte[] again = pipeline.generate(small, null).get(0).rgb();

            assertThat(pipeline.sessionStats()).isEqualTo(new Txt2Img.SessionStats(4, 7, 3));
            assertThat(again).isEqualTo(first);
            pipeline.closeSessions();
            assertThat(pipeline.sessionStats().open()).isZero();
            assertThat(pipeline.weightBytes()).isZero();
            assertThat(pipeline.generate(small, null).get(0).rgb()).isEqualTo(first);
        }
    }

    /** Pixels whose channels differ by more than rounding. */
    /** The largest difference of a channel value, 0 to 255. */
    static int maxDifference(GeneratedImage a, GeneratedImage b) {
        int max = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            max = Math.max(max, Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff)));
        }
        return max;
    }

    static int differingPixels(GeneratedImage a, GeneratedImage b) {
        int differing = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            differing += Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff)) > 1 ? 1 : 0;
        }
        return differing;
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
