package io.sdtune.diffusion.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Forward values of the ops written as compositions, against values computed independently. */
class CompositeOpsTest {

    @Test
    void activationsMatchTheirDefinitions() {
        assertThat(eval(Tensor::gelu, 1.0, -0.5)).containsExactly(new double[] {0.8413447460685429, -0.15426876936299347}, within(1e-6));
        assertThat(eval(Tensor::geluTanh, 1.0)[0]).isCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), within(1e-6));
        assertThat(eval(Tensor::silu, 2.0)[0]).isCloseTo(2 / (1 + Math.exp(-2)), within(1e-6));
        assertThat(eval(Tensor::quickGelu, 2.0)[0]).isCloseTo(2 / (1 + Math.exp(-1.702 * 2)), within(1e-6));
    }

    @Test
    void nearestUpsamplingRepeatsEachPixelTwiceInBothDirections() {
        double[] out = run(g -> g.constant(TensorData.of(DType.FLOAT64, Shape.of(1, 1, 2, 2), 1, 2, 3, 4)).upsampleNearest2x());

        assertThat(out).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
    }

    @Test
    void groupNormNormalisesEachGroupOfChannels() {
        double[] x = {1, 4, 2, 9, -3, 0, 5, 5};
        double[] out = run(g -> g.constant(TensorData.of(DType.FLOAT64, Shape.of(1, 4, 1, 2), x)).groupNorm(2,
                g.constant(TensorData.of(DType.FLOAT64, Shape.of(4), 1, 1, 2, 2)),
                g.constant(TensorData.of(DType.FLOAT64, Shape.of(4), 0, 0, 0, 1)), 0, false));

        for (int group = 0; group < 2; group++) {
            double mean = 0;
            double var = 0;
            for (int i = 0; i < 4; i++) {
                mean += x[group * 4 + i] / 4;
            }
            for (int i = 0; i < 4; i++) {
                var += Math.pow(x[group * 4 + i] - mean, 2) / 4;
            }
            for (int i = 0; i < 4; i++) {
                int channel = group * 2 + i / 2;
                double scale = channel < 2 ? 1 : 2;
                double shift = channel == 3 ? 1 : 0;
                assertThat(out[group * 4 + i]).isCloseTo((x[group * 4 + i] - mean) / Math.sqrt(var) * scale + shift, within(1e-12));
            }
        }
    }

    @Test
    void groupNormWithSiluIsSiluOfTheGroupNorm() {
        double[] x = {1, 4, 2, 9, -3, 0, 5, 5};
        // In float32: ONNX Runtime fuses x σ(x) into its QuickGelu, which has no float64 kernel on the CPU.
        Function<Boolean, double[]> norm = silu -> run(g -> {
            Tensor y = g.constant(TensorData.of(DType.FLOAT32, Shape.of(1, 4, 1, 2), x)).groupNorm(2,
                    g.constant(TensorData.of(DType.FLOAT32, Shape.of(4), 1, 1, 2, 2)),
                    g.constant(TensorData.of(DType.FLOAT32, Shape.of(4), 0, 0, 0, 1)), 1e-5, silu);
            return silu ? y : y.silu();
        });

        assertThat(norm.apply(true)).containsExactly(norm.apply(false), within(1e-6));
    }

    @Test
    void onCudaAFeatureMapsGroupNormIsOneChannelsLastContribOpWithItsSilu() {
        Graph g = Graph.create();
        g.useCudaContribOps();
        Tensor x = g.input("x", DType.FLOAT16, Shape.of(2, 8, 4, 4));
        Tensor y = x.groupNorm(2, g.weight("w", DType.FLOAT16, Shape.of(8)), g.weight("b", DType.FLOAT16, Shape.of(8)),
                1e-6, true);

        Node norm = y.producer().input(0).producer();
        assertThat(norm.opType()).isEqualTo("com.microsoft.GroupNorm");
        assertThat(norm.attributes()).containsEntry("groups", 2L).containsEntry("activation", 1L)
                .containsEntry("channels_last", 1L).containsEntry("epsilon", 1e-6);
        assertThat(norm.input(0).producer().attributes()).containsEntry("perm", new long[] {0, 2, 3, 1});
        assertThat(norm.input(1).dtype()).isEqualTo(DType.FLOAT32);
        assertThat(y.producer().attributes()).containsEntry("perm", new long[] {0, 3, 1, 2});
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(y.shape()).isEqualTo(x.shape());
    }

    @Test
    void groupsOfAnOddNumberOfChannelsAreNormalisedByThePrimitivesEvenOnCuda() {
        Graph g = Graph.create();
        g.useCudaContribOps();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1, 6, 4, 4));
        x.groupNorm(2, g.weight("w", DType.FLOAT32, Shape.of(6)), g.weight("b", DType.FLOAT32, Shape.of(6)), 1e-5, true);

        assertThat(g.nodes()).noneMatch(n -> n.opType().equals("com.microsoft.GroupNorm"));
    }

    @Test
    void gegluIsTheFirstHalfTimesGeluOfTheSecond() {
        double[] out = run(g -> g.constant(TensorData.of(DType.FLOAT32, Shape.of(1, 2, 4), 2, -1, 1, -0.5, 3, 0, 0.5, 2))
                .geglu());

        assertThat(out).containsExactly(new double[] {2 * 0.8413447460685429, -1 * -0.15426876936299347,
                3 * 0.3457312306, 0 * 1.9544997361}, within(1e-6));
    }

    @Test
    void onCudaAStableDiffusionFeedForwardsGegluIsOneBiasSplitGelu() {
        Graph g = Graph.create();
        g.useCudaContribOps();
        Tensor x = g.input("x", DType.FLOAT16, Shape.of(2, 64, 2560));
        Tensor y = x.geglu();

        assertThat(y.producer().opType()).isEqualTo("com.microsoft.BiasSplitGelu");
        assertThat(y.producer().input(1).shape()).isEqualTo(Shape.of(2560));
        assertThat(y.producer().input(1).dtype()).isEqualTo(DType.FLOAT16);
        assertThat(y.shape()).isEqualTo(Shape.of(2, 64, 1280));
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
    }

    @Test
    void widthsTheKernelLacksAreGatedByThePrimitivesEvenOnCuda() {
        Graph g = Graph.create();
        g.useCudaContribOps();
        g.input("x", DType.FLOAT32, Shape.of(2, 64, 256)).geglu();

        assertThat(g.nodes()).noneMatch(n -> n.opType().equals("com.microsoft.BiasSplitGelu"));
    }

    /** In float32: ONNX Runtime's CPU Erf has no float64 kernel. */
    private static double[] eval(UnaryOperator<Tensor> f, double... x) {
        return run(g -> f.apply(g.constant(TensorData.of(DType.FLOAT32, Shape.of(x.length), x))));
    }

    private static double[] run(Function<Graph, Tensor> build) {
        Graph g = Graph.create();
        Tensor y = build.apply(g);
        try (Session s = Session.create(new Program(Map.of(), Map.of("y", y)), n -> null, Device.CPU)) {
            return s.run(Map.of()).get("y").toDoubleArray();
        }
    }
}
