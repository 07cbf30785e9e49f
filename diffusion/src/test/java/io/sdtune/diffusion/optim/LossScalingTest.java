package io.sdtune.diffusion.optim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mixed precision: float32 master weights used in float16, with GradScaler's dynamic loss scaling. */
class LossScalingTest {
    private static final Map<String, TensorData> START = Map.of("w", TensorData.of(DType.FLOAT32, Shape.of(3), 1, 2, 3));

    /** {@code L = Σ w ⊙ x} computed in float16 from a float32 master {@code w}: {@code ∂L/∂w = x}. */
    private static TrainingStep linear(double x, LossScaling scaling) {
        Graph g = Graph.create();
        g.storeWeights(name -> true, DType.FLOAT32);
        Tensor w16 = g.weight("w", DType.FLOAT16, Shape.of(3));
        Tensor loss = w16.mul(g.scalar(x, DType.FLOAT16)).sum().cast(DType.FLOAT32);
        return TrainingStep.build(loss, List.copyOf(g.weights().values()),
                TrainingStep.Options.defaults().withMaxGradNorm(0).withLossScaling(scaling));
    }

    @Test
    void mastersAreStoredInFloat32AndUsedThroughACast() {
        TrainingStep step = linear(1, null);

        assertThat(step.trainable()).singleElement().satisfies(w -> assertThat(w.dtype()).isEqualTo(DType.FLOAT32));
        assertThat(step.updates().get(0).outputs().get(TrainingStep.next("w")).dtype()).isEqualTo(DType.FLOAT32);
    }

    @Test
    void stepsWhoseScaledGradientsOverflowFloat16AreSkippedWhileTheScaleBacksOff() {
        // x · scale exceeds float16's 65504 until the scale has halved four times: 1e6 -> 62500.
        TrainingStep step = linear(1, new LossScaling(1e6, 2, 0.5, 2000));
        try (TrainingSession session = TrainingSession.create(step, START::get, Device.CPU)) {
            for (int i = 0; i < 4; i++) {
                session.run(Map.of(), 0.1);
            }
            assertThat(session.stepsTaken()).isZero();
            assertThat(session.parameter("w").toFloatArray()).containsExactly(1, 2, 3);
            assertThat(session.state().get(TrainingStep.GRAD_SCALE).get(0)).isEqualTo(62500);

            session.run(Map.of(), 0.1);
            assertThat(session.stepsTaken()).isOne();
            assertThat(session.parameter("w").toFloatArray()).doesNotContain(1, 2, 3);
        }
    }

    @Test
    void theScaleGrowsAfterGrowthIntervalFiniteSteps() {
        TrainingStep step = linear(1, new LossScaling(4, 2, 0.5, 2));
        try (TrainingSession session = TrainingSession.create(step, START::get, Device.CPU)) {
            session.run(Map.of(), 0.1);
            assertThat(session.state().get(TrainingStep.GRAD_SCALE).get(0)).isEqualTo(4);
            session.run(Map.of(), 0.1);
            assertThat(session.state().get(TrainingStep.GRAD_SCALE).get(0)).isEqualTo(8);
            assertThat(session.state().get(TrainingStep.GROWTH_TRACKER).get(0)).isZero();
            assertThat(session.stepsTaken()).isEqualTo(2);
        }
    }

    @Test
    void aScaledStepUpdatesAsAnUnscaledOne() {
        try (TrainingSession scaled = TrainingSession.create(linear(0.5, new LossScaling(1024, 2, 0.5, 2000)), START::get,
                Device.CPU); TrainingSession plain = TrainingSession.create(linear(0.5, null), START::get, Device.CPU)) {
            for (int i = 0; i < 3; i++) {
                scaled.run(Map.of(), 0.1);
                plain.run(Map.of(), 0.1);
            }
            assertThat(scaled.parameter("w").toFloatArray()).containsExactly(plain.parameter("w").toFloatArray());
        }
    }
}
