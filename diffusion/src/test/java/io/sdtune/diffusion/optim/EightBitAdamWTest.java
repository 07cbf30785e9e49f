package io.sdtune.diffusion.optim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Node;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * AdamW with 8-bit moments ({@code --use_8bit_adam}) on an overdetermined least-squares problem (one solution): a
 * 70 x 75 weight (5,250 values, quantized in 21 blocks, the last one partial) and a 75-value bias (under
 * {@code min_8bit_size}: float32 moments).
 */
class EightBitAdamWTest {
    private static final int IN = 70;
    private static final int OUT = 75;
    private static final int ROWS = 128;

    @Test
    void largeParametersGetCodesAndBlockMaximaSmallOnesFloatMoments() {
        TrainingStep step = leastSquares(TrainingStep.Options.defaults().withEightBitState(EightBitState.BITSANDBYTES));

        Map<String, Tensor> inputs = new HashMap<>();
        step.optimizerState().forEach(t -> inputs.put(t.name(), t));
        assertThat(inputs.get(TrainingStep.state1(DType.FLOAT32, 0)).dtype()).isEqualTo(DType.UINT8);
        assertThat(inputs.get(TrainingStep.state1(DType.FLOAT32, 0)).shape()).isEqualTo(Shape.of(21 * 256));
        assertThat(inputs.get(TrainingStep.state2(DType.FLOAT32, 0)).dtype()).isEqualTo(DType.UINT8);
        assertThat(inputs.get(TrainingStep.absmax1(DType.FLOAT32, 0)).shape()).isEqualTo(Shape.of(21));
        assertThat(inputs.get(TrainingStep.absmax2(DType.FLOAT32, 0)).shape()).isEqualTo(Shape.of(21));
        assertThat(inputs.get(TrainingStep.expAvg(DType.FLOAT32, 1)).shape()).isEqualTo(Shape.of(OUT));
        assertThat(inputs).doesNotContainKey(TrainingStep.expAvg(DType.FLOAT32, 0));
    }

    @Test
    void threeHundredStepsStayCloseToFloat32AdamW() {
        TrainingStep.Options options = TrainingStep.Options.defaults().withMaxGradNorm(0);
        Map<String, TensorData> data = data();
        double[] start = initial().get("w").toDoubleArray();
        double worst = 0;
        double last;
        try (TrainingSession exact = TrainingSession.create(leastSquares(options), initial()::get, Device.CPU);
                TrainingSession eightBit = TrainingSession.create(
                        leastSquares(options.withEightBitState(EightBitState.BITSANDBYTES)), initial()::get, Device.CPU)) {
            exact.run(data, 1e-2);
            eightBit.run(data, 1e-2);
            // The first update reads moments that were zero, so no quantization error has entered yet.
            assertThat(eightBit.parameter("w").toDoubleArray()).containsExactly(exact.parameter("w").toDoubleArray());
            for (int i = 1; i < 300; i++) {
                exact.run(data, 1e-2);
                eightBit.run(data, 1e-2);
                double[] w = exact.parameter("w").toDoubleArray();
                worst = Math.max(worst, distance(eightBit.parameter("w").toDoubleArray(), w) / distance(w, start));
            }
            last = distance(eightBit.parameter("w").toDoubleArray(), exact.parameter("w").toDoubleArray())
                    / distance(exact.parameter("w").toDoubleArray(), start);
        }
        // How far apart they are, against how far float32 AdamW has moved the weight: measured at most 2.7%
        // (around step 30), and 0.03% at step 300, where both have all but reached the one least-squares solution.
        assertThat(worst).isLessThan(0.05);
        assertThat(last).isLessThan(0.001);
    }

    @Test
    void aRestoredStateContinuesExactlyAsTheRunThatSavedIt() {
        TrainingStep step = leastSquares(TrainingStep.Options.defaults().withEightBitState(EightBitState.BITSANDBYTES));
        Map<String, TensorData> data = data();
        Map<String, TensorData> saved = new LinkedHashMap<>();
        double[] uninterrupted;
        try (TrainingSession session = TrainingSession.create(step, initial()::get, Device.CPU)) {
            for (int i = 0; i < 10; i++) {
                session.run(data, 1e-2);
            }
            session.state().forEach((name, value) -> saved.put(name, value.copy()));
            for (int i = 0; i < 5; i++) {
                session.run(data, 1e-2);
            }
            uninterrupted = session.parameter("w").toDoubleArray();
        }
        assertThat(saved.get(TrainingStep.state1(DType.FLOAT32, 0)).dtype()).isEqualTo(DType.UINT8);

        try (TrainingSession resumed = TrainingSession.create(step, initial()::get, Device.CPU)) {
            resumed.restore(saved);
            for (int i = 0; i < 5; i++) {
                resumed.run(data, 1e-2);
            }
            assertThat(resumed.parameter("w").toDoubleArray()).containsExactly(uninterrupted);
        }
    }

    @Test
    void codesUpdatedInGroupsOfTheirOwnMatchOneUpdate() {
        TrainingStep.Options options = TrainingStep.Options.defaults().withEightBitState(EightBitState.BITSANDBYTES);
        TrainingStep grouped = leastSquares(options, OUT);
        assertThat(grouped.updates()).hasSize(2);
        double[] together = train(leastSquares(options), 4);
        Map<String, TensorData> data = data();
        try (TrainingSession session = TrainingSession.create(grouped, initial()::get, Device.CPU)) {
            for (int i = 0; i < 4; i++) {
                session.run(data, 1e-2);
            }

            assertThat(session.parameter("w").toDoubleArray()).containsExactly(together);
        }
    }

    @Test
    void anUpdateHoldsOneCopyOfTheQuantizationTablesHoweverManyParametersItQuantizes() {
        Graph g = Graph.create();
        Tensor u = g.weight("u", DType.FLOAT32, Shape.of(IN, OUT));
        Tensor v = g.weight("v", DType.FLOAT32, Shape.of(IN, OUT));
        TrainingStep step = TrainingStep.build(u.sub(v).square().mean(), List.of(u, v),
                TrainingStep.Options.defaults().withEightBitState(EightBitState.BITSANDBYTES));

        assertThat(step.updates()).hasSize(1);
        Graph update = step.updates().get(0).outputs().values().iterator().next().graph();
        List<Node> tables = update.nodes().stream()
                .filter(n -> n.opType().equals("Constant") && n.output(0).shape().size() >= 256).toList();
        // Each map's codes, bins and midpoints: six tables for four quantized moments.
        assertThat(tables).hasSize(6);
    }

    /** {@code L = mean((x w + b - y)²)} over fixed data. */
    private static TrainingStep leastSquares(TrainingStep.Options options) {
        return leastSquares(options, TrainingStep.GROUP_VALUES);
    }

    /** The same, its parameters updated in groups of {@code groupValues} values at most. */
    private static TrainingStep leastSquares(TrainingStep.Options options, long groupValues) {
        Graph g = Graph.create();
        Tensor w = g.weight("w", DType.FLOAT32, Shape.of(IN, OUT));
        Tensor b = g.weight("b", DType.FLOAT32, Shape.of(OUT));
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(ROWS, IN));
        Tensor y = g.input("y", DType.FLOAT32, Shape.of(ROWS, OUT));
        Tensor loss = x.matmul(w).add(b).sub(y).square().mean();
        return TrainingStep.build(loss, List.of(w, b), options, groupValues);
    }

    private static Map<String, TensorData> initial() {
        Random random = new Random(11);
        return Map.of("w", TensorData.randn(DType.FLOAT32, Shape.of(IN, OUT), 0.1, random),
                "b", TensorData.randn(DType.FLOAT32, Shape.of(OUT), 0.1, random));
    }

    private static Map<String, TensorData> data() {
        Random random = new Random(12);
        return Map.of("x", TensorData.randn(DType.FLOAT32, Shape.of(ROWS, IN), 1, random),
                "y", TensorData.randn(DType.FLOAT32, Shape.of(ROWS, OUT), 1, random));
    }

    private static double[] train(TrainingStep step, int steps) {
        Map<String, TensorData> data = data();
        try (TrainingSession session = TrainingSession.create(step, initial()::get, Device.CPU)) {
            for (int i = 0; i < steps; i++) {
                session.run(data, 1e-2);
            }
            return session.parameter("w").toDoubleArray();
        }
    }

    private static double distance(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }
}
