package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.scheduler.SchedulerConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD 2.x's features on a tiny model ({@code make-tiny-model --sd2}): v-prediction, linear projections, a head count
 * per block, upcast attention, a gelu text encoder. It loads, draws with every sampler, and the seed's three methods
 * train on it (the target is the velocity; DreamBooth's model keeps the v-prediction scheduler).
 */
class Sd2FineTuningTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path images;

    @BeforeAll
    static void tinySd2AndImages() throws Exception {
        model = dir.resolve("tiny-sd2");
        TinyModel.write(model, TinyModel.Architecture.TINY_SD2, DType.FLOAT32, 0, file -> { });
        images = FineTuningTest.catToyImages(dir);
    }

    @Test
    void theModelHasSd2sFeaturesAndDrawsWithEverySampler() {
        try (StableDiffusion sd = StableDiffusion.load(model); Txt2Img pipeline = new Txt2Img(sd, Device.CPU, DType.FLOAT32)) {
            assertThat(sd.schedulerConfig().predictionType()).isEqualTo(SchedulerConfig.PredictionType.V_PREDICTION);
            assertThat(sd.unetConfig().useLinearProjection()).isTrue();
            assertThat(sd.unetConfig().upcastAttention()).isTrue();
            assertThat(sd.unetConfig().attentionHeads()).containsExactly(2, 4);
            assertThat(sd.textEncoderConfig().hiddenAct()).isEqualTo("gelu");
            for (String scheduler : List.of("ddim", "pndm", "euler_a", "dpmpp_2m")) {
                byte[] rgb = pipeline.generate(GenerationParams.of("a <cat-toy> backpack", 3).withSize(64, 64)
                        .withSteps(4, scheduler), null).get(0).rgb();
                assertThat(rgb).as(scheduler).hasSize(64 * 64 * 3);
            }
        }
    }

    @Test
    void theSeedsThreeMethodsTrainOnIt() {
        for (TrainingMethod method : List.of(new LoraMethod(4, DType.FLOAT32), new DreamBoothMethod(DType.FLOAT32),
                new TextualInversionMethod("<cat-toy>", "toy", 1, "object", DType.FLOAT32))) {
            Path out = dir.resolve(method.getClass().getSimpleName());
            double[] losses = new Trainer(args(out), method).run((s, t, l, lr, sps) -> { });

            assertThat(losses).as(method.getClass().getSimpleName()).hasSize(3);
            assertThat(Arrays.stream(losses).allMatch(l -> Double.isFinite(l) && l > 0)).isTrue();
            assertThat(Arrays.stream(losses).distinct().count()).isGreaterThan(1);
        }
        try (StableDiffusion trained = StableDiffusion.load(dir.resolve("DreamBoothMethod"))) {
            assertThat(trained.schedulerConfig()).isEqualTo(SchedulerConfig.sd21());
        }
    }

    private static TrainingArgs args(Path output) {
        return TrainingArgs.builder(model, images, "a photo of <cat-toy>", output).resolution(64)
                .crop(InstanceImages.Crop.CENTER).trainBatchSize(1).maxTrainSteps(3).learningRate(1e-3).lrWarmupSteps(0)
                .seed(7).checkpointingSteps(0).build();
    }
}
