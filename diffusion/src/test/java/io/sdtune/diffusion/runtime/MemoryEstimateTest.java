package io.sdtune.diffusion.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Peaks worked out by hand on small programs: what is alive when, what is reused, what is aliased. */
class MemoryEstimateTest {

    @Test
    void aValueIsFreedAfterItsLastReaderAndAnElementwiseOpReusesWhatDiesThere() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1000));
        Tensor w = g.weight("w", DType.FLOAT32, Shape.of(1000));
        Tensor a = x.mul(w);                                  // 4000 bytes
        Tensor b = a.add(1);                                  // a dies here: b takes its buffer
        Tensor c = b.reshape(10, 100);                        // an alias of b
        Tensor d = Tensor.concat(0, List.of(c, c));           // 8000 bytes while c (4000) is still alive
        Tensor e = d.sum();                                   // d dies; 4 bytes

        MemoryEstimate m = MemoryEstimate.of(new Program(Map.of("x", x), Map.of("e", e)));

        assertThat(m.inputs()).isEqualTo(4000);
        // w, the constant 1, Reshape's shape [10, 100] and ReduceSum's axes [0, 1] (int64).
        assertThat(m.weights()).isEqualTo(4000 + 4 + 16 + 16);
        assertThat(m.peakComputed()).isEqualTo(12000);
    }

    @Test
    void programOutputsStayAllocatedToTheEnd() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(250));
        Tensor kept = x.exp();                                // 1000 bytes, an output
        Tensor big = Tensor.concat(0, List.of(kept, x, x, x)); // 4000 bytes; kept's last reader
        Tensor small = big.sum();                             // big dies after this

        MemoryEstimate m = MemoryEstimate.of(new Program(Map.of("x", x), Map.of("kept", kept, "small", small)));

        // Freed after its last reader, kept would leave 4000 + 4 at the sum; as an output it is still there.
        assertThat(m.peakComputed()).isEqualTo(1000 + 4000 + 4);
    }

    @Test
    void aProgramOutputHasABufferOfItsOwnEvenWhereItsInputDiesThere() {
        // As clipped gradients: every gradient alive until the norm is known, then each scaled into an output.
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1000));
        Tensor grad = x.exp();                                // 4000 bytes
        Tensor flat = grad.sin().reshape(10, 100);            // an output: a copy, not an alias, of sin's 4000
        Tensor clipped = grad.div(flat.sum().sqrt());         // an output: not written over grad, which dies here

        MemoryEstimate m = MemoryEstimate.of(new Program(Map.of("x", x), Map.of("flat", flat, "clipped", clipped)));

        // grad, flat and clipped at the end, and the norm (4 bytes) until clipped is computed.
        assertThat(m.peakComputed()).isEqualTo(4000 + 4000 + 4000 + 4);
    }

    @Test
    void nodesRunInOnnxRuntimesDepthFirstOrderNotInGraphOrder() {
        // Two branches from x, each a big value reduced to a small one. In graph order both big values are computed
        // first and alive together; ONNX Runtime searches depth-first from the last node, latest inputs first, and
        // finishes one branch (the later, b) before it starts the other.
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1000));
        Tensor a = Tensor.concat(0, List.of(x, x));           // 8000 bytes
        Tensor b = Tensor.concat(0, List.of(x, x, x));        // 12000 bytes
        Tensor sumA = a.sum();
        Tensor sumB = b.sum();
        Tensor both = sumA.add(sumB);

        MemoryEstimate m = MemoryEstimate.of(new Program(Map.of("x", x), Map.of("both", both)));

        // Runs b, sumB, a, sumA, both: at most b and its sum, then a with sumB and sumA.
        assertThat(m.peakComputed()).isEqualTo(12000 + 4);
    }

    @Test
    void whatIsComputedFromConstantsIsComputedAtEachRunNotKeptAsAConstant() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1000));
        Tensor offsets = g.zeros(DType.FLOAT32, Shape.of(1000)).add(2);   // Expand, then Add into its buffer
        Tensor y = x.add(offsets);

        MemoryEstimate m = MemoryEstimate.of(new Program(Map.of("x", x), Map.of("y", y)));

        // The scalars 0 and 2 and Expand's shape [1000] (int64); the offsets and y, the output, while y is computed.
        assertThat(m.weights()).isEqualTo(4 + 4 + 8);
        assertThat(m.peakComputed()).isEqualTo(4000 + 4000);
    }

    @Test
    void aWeightsTransposeIsReadInPlaceByTheMatMulsOfBothPasses() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(10, 100));
        Tensor dy = g.input("dy", DType.FLOAT32, Shape.of(10, 100));
        Tensor w = g.weight("w", DType.FLOAT32, Shape.of(100, 100));
        Tensor y = x.linear(w, null);                 // x W^T
        Tensor dx = dy.matmul(w.mT().mT());           // as the MatMul rule's dy (W^T)^T

        MemoryEstimate m = MemoryEstimate.of(new Program(Map.of("x", x, "dy", dy), Map.of("y", y, "dx", dx)));

        assertThat(m.weights()).isEqualTo(40_000);
        assertThat(m.peakComputed()).as("y and dx, no copy of w").isEqualTo(4000 + 4000);
    }

    @Test
    void aWeightFedAsAnInputIsCountedOnceAsAnInput() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1000));
        Tensor w = g.weight("w", DType.FLOAT32, Shape.of(1000)); // trained: the step feeds it, as TrainingStep does
        Tensor y = x.mul(w);

        MemoryEstimate m = MemoryEstimate.of(new Program(Map.of("x", x, "w", w), Map.of("y", y)));

        assertThat(m.inputs()).isEqualTo(8000);
        assertThat(m.weights()).isZero();
    }

    @Test
    void whatOnnxRuntimeHoldsIsTheComputedValuesByTheMeasuredFactorAndTheRestAsCounted() {
        MemoryEstimate counted = new MemoryEstimate(3L << 30, 1L << 20, 1L << 30);

        MemoryEstimate held = counted.held();

        assertThat(held.weights()).isEqualTo(counted.weights());
        assertThat(held.inputs()).isEqualTo(counted.inputs());
        assertThat(held.peakComputed()).isEqualTo(Math.round((1L << 30) * MemoryEstimate.HELD_PER_COUNTED));
        assertThat(MemoryEstimate.HELD_PER_COUNTED).isBetween(1.29, 1.45);
    }
}
