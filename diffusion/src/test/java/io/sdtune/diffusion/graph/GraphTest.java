package io.sdtune.diffusion.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GraphTest {

    @Test
    void shapesAreInferredAsOpsAreBuilt() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT16, Shape.of(2, 4, 8, 8));
        Tensor w = g.weight("conv.weight", DType.FLOAT16, Shape.of(6, 4, 3, 3));

        Tensor y = x.conv2d(w, null, 2, 1).upsampleNearest2x().reshape(2, 6, -1).transpose(0, 2, 1);

        assertThat(y.shape()).isEqualTo(Shape.of(2, 64, 6));
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(x.matmul(g.input("m", DType.FLOAT16, Shape.of(2, 1, 8, 5))).shape()).isEqualTo(Shape.of(2, 4, 8, 5));
        assertThat(x.sum(false, 1, -1).shape()).isEqualTo(Shape.of(2, 8));
        assertThat(x.gather(g.input("ids", DType.INT64, Shape.of(5)), 1).shape()).isEqualTo(Shape.of(2, 5, 8, 8));
    }

    @Test
    void aShapeMismatchNamesTheOpTheOperandsAndTheModulePath() {
        Graph g = Graph.create();
        Tensor hidden = g.input("hidden", DType.FLOAT32, Shape.of(2, 77, 768));
        Tensor w = g.weight("to_k.weight", DType.FLOAT32, Shape.of(320, 1024));

        assertThatThrownBy(() -> {
            try (var s = g.scope("down_blocks.0.attentions.0.transformer_blocks.0.attn2")) {
                hidden.matmul(w.mT());
            }
        }).isInstanceOf(ShapeException.class)
                .hasMessage("MatMul at down_blocks.0.attentions.0.transformer_blocks.0.attn2: inner dimensions differ: "
                        + "768 vs 1024 (operands: float32[2, 77, 768], float32[1024, 320])");
    }

    @Test
    void mixedDtypesAndNonBroadcastingShapesFailAtOnce() {
        Graph g = Graph.create();
        Tensor a = g.input("a", DType.FLOAT32, Shape.of(3, 4));

        assertThatThrownBy(() -> a.add(g.input("b", DType.FLOAT16, Shape.of(3, 4)))).hasMessageContaining("dtypes differ");
        assertThatThrownBy(() -> a.mul(g.input("c", DType.FLOAT32, Shape.of(3)))).hasMessageContaining("do not broadcast");
        assertThatThrownBy(() -> a.reshape(5, -1)).hasMessageContaining("cannot infer -1");
        assertThatThrownBy(() -> Tensor.concat(0, List.of(a, g.input("d", DType.FLOAT32, Shape.of(3, 5)))))
                .hasMessageContaining("shapes differ outside axis 0");
    }

    @Test
    void aWeightIsOneTensorPerNameAndItsShapeIsFixed() {
        Graph g = Graph.create();
        Tensor w = g.weight("proj.weight", DType.FLOAT32, Shape.of(4, 4));

        assertThat(g.weight("proj.weight", DType.FLOAT32, Shape.of(4, 4))).isSameAs(w);
        assertThatThrownBy(() -> g.weight("proj.weight", DType.FLOAT32, Shape.of(4, 5)))
                .hasMessageContaining("proj.weight declared as FLOAT32[4, 4] and again as FLOAT32[4, 5]");
    }

    @Test
    void float32ConvertsToHalfPrecisionRoundingToNearest() {
        TensorData f = TensorData.of(new float[] {1.0f, 1.0009765625f, 1.00048828125f, -3.3e-5f, 70000f}, 5);

        assertThat(f.to(DType.FLOAT16).toDoubleArray()).containsExactly(1.0, 1.0009765625, 1.0, -3.3020973205566406E-5,
                Double.POSITIVE_INFINITY);
        assertThat(f.to(DType.BFLOAT16).get(4)).isEqualTo(70144.0);
    }

    @Test
    void halfPrecisionValuesRoundTrip() {
        TensorData h = TensorData.of(DType.FLOAT16, Shape.of(4), 1.0, -2.5, 65504, 6e-8);
        TensorData b = TensorData.of(DType.BFLOAT16, Shape.of(2), 3.140625, -1e30);

        assertThat(h.toDoubleArray()).containsExactly(1.0, -2.5, 65504, 5.960464477539063E-8);
        assertThat(b.get(0)).isEqualTo(3.140625);
        assertThat(b.get(1)).isCloseTo(-1e30, org.assertj.core.data.Percentage.withPercentage(1));
    }
}
