package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Settings made by name from the scripts' defaults. */
class TrainingArgsTest {
    private static final Path MODEL = Path.of("sd15");
    private static final Path IMAGES = Path.of("cat-toy");
    private static final Path OUT = Path.of("out");

    @Test
    void whatIsNotSetKeepsTheScriptsDefault() {
        TrainingArgs a = TrainingArgs.builder(MODEL, IMAGES, "a photo of <cat-toy>", OUT).maxTrainSteps(400)
                .learningRate(5e-6).gradientCheckpointing(true).build();

        assertThat(a.resolution()).isEqualTo(512);
        assertThat(a.trainBatchSize()).isEqualTo(4);
        assertThat(a.lrScheduler()).isEqualTo("constant");
        assertThat(a.lrWarmupSteps()).isEqualTo(500);
        assertThat(a.adamWeightDecay()).isEqualTo(1e-2);
        assertThat(a.checkpointingSteps()).isEqualTo(500);
        assertThat(a.gradientCheckpointing()).isTrue();
        assertThat(a.toBuilder().resolution(768).build()).isEqualTo(TrainingArgs.builder(MODEL, IMAGES,
                "a photo of <cat-toy>", OUT).maxTrainSteps(400).learningRate(5e-6).gradientCheckpointing(true)
                .resolution(768).build());
    }

    @Test
    void theStepsAndLearningRateWhoseDefaultsDifferPerScriptMustBeSet() {
        TrainingArgs.Builder noSteps = TrainingArgs.builder(MODEL, IMAGES, "p", OUT).learningRate(1e-4);
        TrainingArgs.Builder noRate = TrainingArgs.builder(MODEL, IMAGES, "p", OUT).maxTrainSteps(10);

        assertThatThrownBy(noSteps::build).hasMessageContaining("max_train_steps must be >= 1");
        assertThatThrownBy(noRate::build).hasMessage("learning_rate must be > 0, got NaN");
    }
}
