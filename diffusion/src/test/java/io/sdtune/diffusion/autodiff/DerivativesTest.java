package io.sdtune.diffusion.autodiff;

import static io.sdtune.diffusion.graph.DType.FLOAT32;
import static io.sdtune.diffusion.graph.DType.FLOAT64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.Attention;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every rule of {@link Derivatives} against central finite differences, in float64 where ONNX
 * Runtime's CPU kernels take it and float32 otherwise, including broadcasting operands.
 */
class DerivativesTest {
    private static final Set<String> OPS_CHECKED = new HashSet<>();
    private static final Random RANDOM = new Random(2026);

    @TestFactory
    Stream<DynamicTest> everyRuleMatchesFiniteDifferences() {
        return Stream.of(
                check("neg", x -> x.get(0).neg(), normal(FLOAT64, 3, 4)),
                check("add with broadcasting [3,1] + [1,4]", x -> x.get(0).add(x.get(1)), normal(FLOAT64, 3, 1), normal(FLOAT64, 1, 4)),
                check("sub with broadcasting [2,3,4] - [4]", x -> x.get(0).sub(x.get(1)), normal(FLOAT64, 2, 3, 4), normal(FLOAT64, 4)),
                check("mul with broadcasting [2,3,4] * [3,1]", x -> x.get(0).mul(x.get(1)), normal(FLOAT64, 2, 3, 4), normal(FLOAT64, 3, 1)),
                check("div with broadcasting [3,4] / [4]", x -> x.get(0).div(x.get(1)), normal(FLOAT64, 3, 4), uniform(FLOAT64, 0.5, 2, 4)),
                check("pow of tensors", x -> x.get(0).pow(x.get(1)), uniform(FLOAT64, 0.5, 2, 3, 4), normal(FLOAT64, 3, 4)),
                check("pow by a constant", x -> x.get(0).pow(3), normal(FLOAT64, 5)),
                check("sqrt", x -> x.get(0).sqrt(), uniform(FLOAT64, 0.5, 3, 6)),
                check("exp", x -> x.get(0).exp(), normal(FLOAT64, 6)),
                check("log", x -> x.get(0).log(), uniform(FLOAT64, 0.5, 3, 6)),
                check("tanh", x -> x.get(0).tanh(), normal(FLOAT64, 6)),
                check("sigmoid", x -> x.get(0).sigmoid(), normal(FLOAT64, 6)),
                check("erf", x -> x.get(0).erf(), normal(FLOAT32, 6)),
                check("sin", x -> x.get(0).sin(), normal(FLOAT64, 6)),
                check("cos", x -> x.get(0).cos(), normal(FLOAT64, 6)),
                check("clip (values away from the bounds)", x -> x.get(0).clip(-0.5, 0.5), normal(FLOAT64, 12)),
                check("gelu (exact)", x -> x.get(0).gelu(), normal(FLOAT32, 8)),
                check("gelu (tanh)", x -> x.get(0).geluTanh(), normal(FLOAT64, 8)),
                check("silu", x -> x.get(0).silu(), normal(FLOAT64, 8)),
                check("quick_gelu", x -> x.get(0).quickGelu(), normal(FLOAT64, 8)),
                check("matmul", x -> x.get(0).matmul(x.get(1)), normal(FLOAT64, 3, 4), normal(FLOAT64, 4, 2)),
                check("batched matmul with broadcasting [2,1,3,4] @ [5,4,2]", x -> x.get(0).matmul(x.get(1)),
                        normal(FLOAT64, 2, 1, 3, 4), normal(FLOAT64, 5, 4, 2)),
                check("linear", x -> x.get(0).linear(x.get(1), x.get(2)), normal(FLOAT64, 2, 3, 4), normal(FLOAT64, 5, 4), normal(FLOAT64, 5)),
                check("conv2d stride 1 padding 1", x -> x.get(0).conv2d(x.get(1), x.get(2), 1, 1),
                        normal(FLOAT32, 2, 3, 5, 4), normal(FLOAT32, 4, 3, 3, 3), normal(FLOAT32, 4)),
                check("conv2d stride 2 padding 1, odd size", x -> x.get(0).conv2d(x.get(1), x.get(2), 2, 1),
                        normal(FLOAT32, 1, 2, 7, 6), normal(FLOAT32, 3, 2, 3, 3), normal(FLOAT32, 3)),
                check("conv2d 1x1 without bias", x -> x.get(0).conv2d(x.get(1), null, 1, 0),
                        normal(FLOAT32, 2, 3, 3, 3), normal(FLOAT32, 2, 3, 1, 1)),
                check("upsample nearest x2", x -> x.get(0).upsampleNearest2x(), normal(FLOAT64, 1, 2, 3, 2)),
                check("reshape", x -> x.get(0).reshape(4, -1), normal(FLOAT64, 2, 3, 2)),
                check("transpose", x -> x.get(0).transpose(2, 0, 1), normal(FLOAT64, 2, 3, 4)),
                check("expand [3,1] to [2,3,4]", x -> x.get(0).expand(Shape.of(2, 3, 4)), normal(FLOAT64, 3, 1)),
                check("concat", x -> Tensor.concat(1, List.of(x.get(0), x.get(1))), normal(FLOAT64, 2, 3), normal(FLOAT64, 2, 2)),
                check("slice and split", x -> x.get(0).split(1, 1, 3).get(1).mul(x.get(0).slice(0, 1, 2).slice(1, 0, 3)), normal(FLOAT64, 2, 4)),
                check("pad", x -> x.get(0).pad(1, 0, 0, 2), normal(FLOAT64, 2, 3)),
                check("gather (embedding lookup, repeated ids)", x -> x.get(0).gather(x.get(1), 0),
                        normal(FLOAT64, 6, 3), TensorData.ofLongs(new long[] {1, 4, 4, 0, 1, 1, 5, 2}, 2, 4)),
                check("sum over axes", x -> x.get(0).sum(false, 0, 2), normal(FLOAT64, 2, 3, 4)),
                check("mean keeping dims", x -> x.get(0).mean(true, -1), normal(FLOAT64, 2, 3, 4)),
                check("softmax", x -> x.get(0).softmax(1), normal(FLOAT64, 3, 4, 2)),
                check("multi-head attention (fused; backward in blocks of query rows)", x -> {
                    x.get(0).graph().useContribOps();
                    return Attention.multiHead(x.get(0), x.get(1), x.get(2), 2, null, false);
                }, normal(FLOAT32, 2, 3, 4), normal(FLOAT32, 2, 5, 4), normal(FLOAT32, 2, 5, 6)),
                check("layer norm", x -> x.get(0).layerNorm(x.get(1), x.get(2), 1e-5),
                        normal(FLOAT64, 2, 3, 5), normal(FLOAT64, 5), normal(FLOAT64, 5)),
                check("group norm", x -> x.get(0).groupNorm(2, x.get(1), x.get(2), 1e-5, true),
                        normal(FLOAT64, 2, 4, 3, 2), normal(FLOAT64, 4), normal(FLOAT64, 4)),
                check("where with broadcasting", x -> Tensor.where(x.get(0).graph().constant(mask()), x.get(0), x.get(1)),
                        normal(FLOAT64, 3, 4), normal(FLOAT64, 4)),
                check("cast to float64 and back", x -> x.get(0).cast(FLOAT64).square().cast(FLOAT32), normal(FLOAT32, 5)));
    }

    @AfterAll
    static void everyRuleInTheTableWasChecked() {
        assertThat(OPS_CHECKED).containsAll(Derivatives.RULES.keySet());
    }

    @Test
    void attentionsBackwardPassHoldsOneBlockOfScoresAtATimeInOnnxRuntimesOrder() {
        // 1024 scores a query row: blocks of 16384 rows under the rule's bound, two of them; each block's
        // probabilities are 64 MiB in float32, all of them 128.
        assertThat(attentionsBackwardPeak(1, 32768)).isLessThan(2 * (64L << 20) + (16L << 20));
        // And one attention at a time: two of one block each (16384 queries), the second's backward pass done
        // before the first recomputes its scores.
        assertThat(attentionsBackwardPeak(2, 16384)).isLessThan(2 * (64L << 20) + (16L << 20));
    }

    @Test
    void attentionsBackwardPassOfOneBlockCopiesNothingThroughConcatOrSplit() {
        // ONNX Runtime's CUDA Concat and Split are slow: summing a block's terms through them doubled Textual
        // Inversion's SD 1.5 step on an H100 (0.245 -> 0.487 s), which the CPU did not show.
        Graph g = Graph.create();
        g.useContribOps();
        Tensor q = g.input("q", FLOAT32, Shape.of(1, 64, 8));
        Tensor k = g.input("k", FLOAT32, Shape.of(1, 16, 8));
        Tensor v = g.input("v", FLOAT32, Shape.of(1, 16, 8));
        Tensor y = Attention.multiHead(q, k, v, 2, null, false);
        Map<Tensor, Tensor> grads = Gradients.of(y.square().sum(), List.of(q, k, v));

        assertThat(g.nodes()).filteredOn(n -> n.opType().equals("Concat") || n.opType().equals("Split")).isEmpty();
        assertThat(grads.get(k).shape()).isEqualTo(k.shape());
    }

    /**
     * The estimated peak of the gradients of {@code layers} stacked attentions of {@code queries} over 1024 keys:
     * a block's scores and probabilities at once, 129 MiB with the rest. With the three gradients summed apart a
     * block's probabilities waited for the other sums beside the next block's (193 MiB for one layer of two
     * blocks); with the gradients given apart the second layer's waited, for its dK and dV, while the first layer's
     * backward pass ran (257 MiB for two layers of one block), and 321 MiB with the first layer's also recomputed
     * before it read its dy.
     */
    private static long attentionsBackwardPeak(int layers, long queries) {
        Graph g = Graph.create();
        g.useContribOps();
        Tensor q = g.input("q", FLOAT32, Shape.of(1, queries, 2));
        Tensor k = g.input("k", FLOAT32, Shape.of(1, 1024, 2));
        Tensor v = g.input("v", FLOAT32, Shape.of(1, 1024, 2));
        Tensor y = q;
        for (int i = 0; i < layers; i++) {
            y = Attention.multiHead(y, k, v, 1, null, false);
        }
        Map<Tensor, Tensor> grads = Gradients.of(y.square().sum(), List.of(q, k, v));
        return MemoryEstimate.of(new Program(Map.of("q", q, "k", k, "v", v),
                Map.of("dq", grads.get(q), "dk", grads.get(k), "dv", grads.get(v)))).peakComputed();
    }

    @Test
    void theCheckRejectsAWrongGradient() {
        double[] numeric = {0.5, -1.25, 2.0};
        double[] slightlyOff = {0.5, -1.25, 2.0 * 1.01};

        assertThatThrownBy(() -> GradientCheck.assertClose("x", slightlyOff, numeric, 1e-3))
                .hasMessageContaining("element 2");
    }

    private static TensorData mask() {
        TensorData m = TensorData.allocate(DType.BOOL, Shape.of(3, 1));
        m.set(0, 1);
        m.set(2, 1);
        return m;
    }

    private static DynamicTest check(String name, Function<List<Tensor>, Tensor> f, TensorData... inputs) {
        return DynamicTest.dynamicTest(name, () -> new GradientCheck(List.of(inputs), f).run(OPS_CHECKED));
    }

    private static TensorData normal(DType dtype, long... dims) {
        return TensorData.randn(dtype, Shape.of(dims), 1, RANDOM);
    }

    private static TensorData uniform(DType dtype, double lo, double hi, long... dims) {
        TensorData t = TensorData.allocate(dtype, Shape.of(dims));
        for (int i = 0; i < t.size(); i++) {
            t.set(i, lo + (hi - lo) * RANDOM.nextDouble());
        }
        return t;
    }
}
