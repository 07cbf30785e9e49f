package io.sdtune.diffusion.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {
    private static final double[] C = {0.5, -2.0, 3.0};

    /** {@code L = Σ c ⊙ a + Σ b²}: {@code ∂L/∂a = c}, {@code ∂L/∂b = 2b}. */
    private static TrainingStep quadratic(Graph g, TrainingStep.Options options) {
        Tensor a = g.weight("a", DType.FLOAT64, Shape.of(3));
        Tensor b = g.weight("b", DType.FLOAT64, Shape.of(2, 2));
        Tensor loss = a.mul(g.constant(TensorData.of(DType.FLOAT64, Shape.of(3), C))).sum().add(b.square().sum());
        return TrainingStep.build(loss, List.of(a, b), options);
    }

    @Test
    void followsPyTorchsAdamWUpdateStepByStep() {
        double[] a = {1, 2, 3};
        double[] b = {0.5, -1, 2, 0.25};
        Map<String, TensorData> initial = Map.of(
                "a", TensorData.of(DType.FLOAT64, Shape.of(3), a.clone()),
                "b", TensorData.of(DType.FLOAT64, Shape.of(2, 2), b.clone()));
        AdamW adamw = new AdamW(0.9, 0.999, 0.1, 1e-8);
        TrainingStep step = quadratic(Graph.create(), TrainingStep.Options.defaults().withMaxGradNorm(0)
                .withOptimizer(adamw));
        double[] lrs = {0.1, 0.05, 0.2};

        double[][] params = {a, b};
        double[][] m = {new double[3], new double[4]};
        double[][] v = {new double[3], new double[4]};
        try (TrainingSession session = TrainingSession.create(step, initial::get, Device.CPU)) {
            for (int t = 1; t <= lrs.length; t++) {
                session.run(Map.of(), lrs[t - 1]);
                double[][] grads = {C.clone(), params[1].clone()};
                for (int i = 0; i < 4; i++) {
                    grads[1][i] *= 2;
                }
                for (int p = 0; p < 2; p++) {
                    for (int i = 0; i < params[p].length; i++) {
                        // torch.optim.AdamW, written out for one element
                        double lr = lrs[t - 1];
                        params[p][i] *= 1 - lr * adamw.weightDecay();
                        m[p][i] = adamw.beta1() * m[p][i] + (1 - adamw.beta1()) * grads[p][i];
                        v[p][i] = adamw.beta2() * v[p][i] + (1 - adamw.beta2()) * grads[p][i] * grads[p][i];
                        double denom = Math.sqrt(v[p][i]) / Math.sqrt(1 - Math.pow(adamw.beta2(), t)) + adamw.epsilon();
                        params[p][i] -= lr / (1 - Math.pow(adamw.beta1(), t)) * m[p][i] / denom;
                    }
                }
                assertThat(session.parameter("a").toDoubleArray()).containsExactly(params[0], within(1e-12));
                assertThat(session.parameter("b").toDoubleArray()).containsExactly(params[1], within(1e-12));
            }
            assertThat(session.state().get(TrainingStep.expAvgSq(DType.FLOAT64, 0)).toDoubleArray())
                    .containsExactly(concat(v[0], v[1]), within(1e-15));
        }
    }

    @Test
    void clipsTheGlobalGradientNormAndReportsTheUnclippedNorm() {
        Map<String, TensorData> initial = Map.of(
                "a", TensorData.of(DType.FLOAT64, Shape.of(3), 0, 0, 0),
                "b", TensorData.of(DType.FLOAT64, Shape.of(2, 2), 1, 1, 1, 1));
        TrainingStep step = quadratic(Graph.create(), TrainingStep.Options.defaults().withMaxGradNorm(1.0));
        double norm = Math.sqrt(0.25 + 4 + 9 + 4 * 4);

        try (TrainingSession session = TrainingSession.create(step, initial::get, Device.CPU)) {
            session.run(Map.of(), 1e-3);
            double[] expAvg = session.state().get(TrainingStep.expAvg(DType.FLOAT64, 0)).toDoubleArray();

            double scale = 1.0 / (norm + 1e-6);
            assertThat(expAvg).containsExactly(new double[] {0.1 * 0.5 * scale, 0.1 * -2 * scale, 0.1 * 3 * scale,
                0.1 * 2 * scale, 0.1 * 2 * scale, 0.1 * 2 * scale, 0.1 * 2 * scale}, within(1e-6));
        }
    }

    @Test
    void rejectsHyperParametersTorchWouldReject() {
        assertThatThrownBy(() -> new AdamW(1.0, 0.999, 0, 1e-8)).hasMessageContaining("betas must be in [0, 1)");
        assertThatThrownBy(() -> new AdamW(0.9, 0.999, -1, 1e-8)).hasMessageContaining("weight_decay >= 0");
    }

    private static double[] concat(double[] x, double[] y) {
        double[] out = new double[x.length + y.length];
        System.arraycopy(x, 0, out, 0, x.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
