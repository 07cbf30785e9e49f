package io.sdtune.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.training.TrainingEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
    private final List<TrainingEvent.Progress> sent = new ArrayList<>();
    private final List<String> handedOn = new ArrayList<>();
    private long now;
    private int steps;
    private final ProgressReporter reporter = new ProgressReporter("job", sent::add, () -> steps++, new ProgressReporter.Outputs() {
        @Override
        public void checkpoint(int step, Path folder) {
            handedOn.add("checkpoint " + step + " " + folder);
        }

        @Override
        public void validation(int step, List<Path> images) {
            handedOn.add("validation " + step + " " + images);
        }
    }, () -> false, () -> now, TimeUnit.SECONDS.toNanos(1));

    @Test
    void sendsTheFirstStepThenOnePerIntervalAndTheLast() {
        for (int step = 1; step <= 10; step++) {
            now = TimeUnit.MILLISECONDS.toNanos(400L * step);
            reporter.onStep(step, 10, 0.5, 1e-4, 0.4);
        }

        assertThat(sent).extracting(TrainingEvent.Progress::step).containsExactly(1, 4, 7, 10);
        assertThat(steps).as("every step is a sign of life, sent or not").isEqualTo(10);
        assertThat(sent.get(0)).isEqualTo(new TrainingEvent.Progress("job", 1, 10, 0.5, 1e-4, 0.4, 0.4 * 9));
        assertThat(sent.get(3).etaSeconds()).isZero();
    }

    @Test
    void skipsAStepWhoseLossOverflowed() {
        reporter.onStep(1, 3, Double.NaN, 1e-4, 0.1);
        reporter.onStep(2, 3, 0.3, 1e-4, 0.1);

        assertThat(sent).extracting(TrainingEvent.Progress::step).containsExactly(2);
    }

    @Test
    void handsCheckpointsAndValidationImagesOn() {
        reporter.onCheckpoint(2, Path.of("out/checkpoint-2"));
        reporter.onValidation(2, List.of(Path.of("out/validation/step-2-0.png")));

        assertThat(handedOn).containsExactly("checkpoint 2 out/checkpoint-2", "validation 2 [out/validation/step-2-0.png]");
        assertThat(sent).isEmpty();
    }
}
