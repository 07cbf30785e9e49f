package io.sdtune.diffusion.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SharedWeightsTest {
    private static final Random RANDOM = new Random(3);
    private static final TensorData W = TensorData.randn(DType.FLOAT32, Shape.of(16, 8), 0.1, RANDOM);
    private static final TensorData B = TensorData.randn(DType.FLOAT32, Shape.of(16), 0.1, RANDOM);

    @Test
    void sessionsOfTwoBatchSizesReadOneCopyOfEachWeight() {
        Map<String, Integer> reads = new HashMap<>();
        Map<String, TensorData> source = Map.of("proj.weight", W, "proj.bias", B);
        try (SharedWeights shared = new SharedWeights(name -> {
            reads.merge(name, 1, Integer::sum);
            return source.get(name);
        }, Device.CPU)) {
            TensorData x = TensorData.randn(DType.FLOAT32, Shape.of(3, 8), 1, RANDOM);
            TensorData first = TensorData.of(Arrays.copyOf(x.toFloatArray(), 8), 1, 8);
            float[] one;
            float[] three;
            try (Session a = Session.create(projection(1), shared, ExecutionOptions.on(Device.CPU));
                    Session b = Session.create(projection(3), shared, ExecutionOptions.on(Device.CPU))) {
                one = a.run(Map.of("x", first)).get("y").toFloatArray();
                three = b.run(Map.of("x", x)).get("y").toFloatArray();
            }

            assertThat(reads).containsExactlyInAnyOrderEntriesOf(Map.of("proj.weight", 1, "proj.bias", 1));
            assertThat(shared.size()).isEqualTo(2);
            assertThat(shared.bytes()).isEqualTo((16 * 8 + 16) * 4L);
            for (int o = 0; o < 16; o++) {
                assertThat(three[o]).isCloseTo(one[o], within(1e-6f));
            }
            // The weights outlive the sessions: a session made later reads the same values.
            try (Session again = Session.create(projection(1), shared, ExecutionOptions.on(Device.CPU))) {
                float[] later = again.run(Map.of("x", first)).get("y").toFloatArray();
                assertThat(later).containsExactly(one);
            }
            assertThat(reads.get("proj.weight")).isEqualTo(1);
        }
    }

    @Test
    void aWeightOfAnotherShapeThanTheGraphsIsRefusedNamingIt() {
        try (SharedWeights shared = new SharedWeights(Map.of("proj.weight", B, "proj.bias", B)::get, Device.CPU)) {
            assertThatThrownBy(() -> Session.create(projection(1), shared, ExecutionOptions.on(Device.CPU)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("proj.weight");
        }
    }

    @Test
    void weightsForAnotherDeviceAreRefused() {
        try (SharedWeights shared = new SharedWeights(Map.of("proj.weight", W, "proj.bias", B)::get, Device.parse("cuda"))) {
            assertThatThrownBy(() -> Session.create(projection(1), shared, ExecutionOptions.on(Device.CPU)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("weights on cuda:0 for a session on cpu");
        }
    }

    @Test
    void weightsAreCopiedIntoASessionsOwnTensorsWhichItsRunsRead() {
        // A session that takes the weight as an input, at a fixed address, as a CUDA graph's UNet does.
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1, 8));
        Tensor w = g.weight("proj.weight", DType.FLOAT32, Shape.of(16, 8));
        Program program = new Program(Map.of("x", x, "proj.weight", w), Map.of("y", x.linear(w, null)));
        TensorData input = TensorData.randn(DType.FLOAT32, Shape.of(1, 8), 1, RANDOM);
        try (SharedWeights shared = new SharedWeights(Map.of("proj.weight", W)::get, Device.CPU);
                Session session = Session.create(program, name -> null, Device.CPU);
                DeviceTensor weight = session.allocate(DType.FLOAT32, Shape.of(16, 8));
                DeviceTensor in = session.upload(input);
                DeviceTensor out = session.allocate(DType.FLOAT32, Shape.of(1, 16));
                IoBinding binding = session.bind()) {
            shared.copyTo(Map.of("proj.weight", weight), List.of(w));
            binding.input("x", in).input("proj.weight", weight).output("y", out).run();

            assertThat(weight.toHost().toFloatArray()).containsExactly(W.toFloatArray());
            float[] expected = session.run(Map.of("x", input, "proj.weight", W)).get("y").toFloatArray();
            assertThat(out.toHost().toFloatArray()).containsExactly(expected);
            assertThatThrownBy(() -> shared.copyTo(Map.of(), List.of(w)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("proj.weight");
        }
    }

    /** {@code y = x Wᵀ + b} for a batch of {@code n}. */
    private static Program projection(int n) {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(n, 8));
        Tensor y = x.linear(g.weight("proj.weight", DType.FLOAT32, Shape.of(16, 8)),
                g.weight("proj.bias", DType.FLOAT32, Shape.of(16)));
        return new Program(Map.of("x", x), Map.of("y", y));
    }
}
