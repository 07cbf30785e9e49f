package io.sdtune.diffusion.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sd benchmark --quality} on the shipped world model, shortened (20 steps a method, one drawing a prompt):
 * every method trains and is drawn with, and the untrained model never draws the concept - it is absent from the
 * pretraining, so whatever a method's row shows of it, the method taught.
 */
class QualityBenchmarkTest {
    private static final Path WORLD = Path.of("..", "models", "world-of-shapes");

    @Test
    void eachMethodIsTrainedDrawnWithAndJudgedBesideTheUntrainedModel(@TempDir Path work) {
        List<QualityBenchmark.Row> rows = QualityBenchmark.run(
                new QualityBenchmark.Settings(WORLD, work, 20, 1, 0, Device.CPU), message -> { });

        assertThat(rows).extracting(QualityBenchmark.Row::method)
                .containsExactly("untrained", "textual_inversion", "dreambooth", "lora");
        assertThat(rows.getFirst().conceptFidelity()).isZero();
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.conceptFidelity()).isBetween(0.0, 1.0);
            assertThat(row.promptFidelity()).isBetween(0.0, 1.0);
        });
        assertThat(rows.subList(1, 4)).allSatisfy(row -> {
            assertThat(row.secondsPerStep()).isPositive();
            assertThat(row.artifactSize()).matches("[0-9.]+ (KB|MB)");
        });
        assertThat(work.resolve("drawings/lora/3-0.png")).as("the drawings kept to be looked at").isRegularFile();
        assertThat(QualityBenchmark.markdown(rows)).startsWith("| method | s/step | training (s) | artifact size | "
                + "concept fidelity | prompt fidelity |").contains("| untrained | - | - | - | 0.000 |");
    }
}
