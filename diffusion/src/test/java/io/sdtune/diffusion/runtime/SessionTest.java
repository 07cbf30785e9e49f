package io.sdtune.diffusion.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtLoggingLevel;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionTest {

    @Test
    void bindsWeightsFromBuffersWithoutPuttingThemInTheModel() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(2, 256));
        Tensor w = g.weight("proj.weight", DType.FLOAT32, Shape.of(512, 256));
        Tensor b = g.weight("proj.bias", DType.FLOAT32, Shape.of(512));
        Tensor y = x.linear(w, b);
        Random random = new Random(1);
        TensorData wData = TensorData.randn(DType.FLOAT32, w.shape(), 0.1, random);
        TensorData bData = TensorData.randn(DType.FLOAT32, b.shape(), 0.1, random);
        TensorData xData = TensorData.randn(DType.FLOAT32, x.shape(), 1, random);
        Map<String, TensorData> weights = Map.of("proj.weight", wData, "proj.bias", bData);

        try (Session s = Session.create(new Program(Map.of("x", x), Map.of("y", y)), weights::get, Device.CPU)) {
            float[] out = s.run(Map.of("x", xData)).get("y").toFloatArray();

            assertThat(s.modelBytes()).isLessThan(2_000);
            for (int row = 0; row < 2; row++) {
                for (int o = 0; o < 512; o += 97) {
                    double expected = bData.get(o);
                    for (int i = 0; i < 256; i++) {
                        expected += xData.get(row * 256L + i) * wData.get(o * 256L + i);
                    }
                    assertThat((double) out[row * 512 + o]).isCloseTo(expected, within(1e-4));
                }
            }
        }
    }

    @Test
    void aWeightsTransposeIsFusedIntoTheMatMulAndCancelledInTheBackwardPassNotFoldedIntoCopies(@TempDir Path dir)
            throws Exception {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1, 2, 4));
        Tensor dy = g.input("dy", DType.FLOAT32, Shape.of(1, 2, 3));
        Tensor w = g.weight("proj.weight", DType.FLOAT32, Shape.of(3, 4));
        Tensor y = x.linear(w, null);                 // x W^T
        Tensor dx = dy.matmul(w.mT().mT());           // the MatMul rule's dy (W^T)^T
        Random random = new Random(2);
        Map<String, TensorData> feed = Map.of("x", TensorData.randn(DType.FLOAT32, x.shape(), 1, random),
                "dy", TensorData.randn(DType.FLOAT32, dy.shape(), 1, random));
        System.setProperty(Session.PROFILE, dir.resolve("p").toString());
        try (Session s = Session.create(new Program(Map.of("x", x, "dy", dy), Map.of("y", y, "dx", dx)),
                Map.of("proj.weight", TensorData.randn(DType.FLOAT32, w.shape(), 1, random))::get, Device.CPU)) {
            s.run(feed);
        } finally {
            System.clearProperty(Session.PROFILE);
        }

        // Folded, the transposes would have been two initializers (copies of the weight) read by two plain MatMuls.
        String profile;
        try (Stream<Path> files = Files.list(dir)) {
            profile = Files.readString(files.findFirst().orElseThrow());
        }
        assertThat(profile).contains("\"op_name\" : \"FusedMatMul\"").doesNotContain("\"op_name\" : \"Transpose\"");
    }

    @Test
    void aBufferTheRuntimeCannotAllocateIsReportedAsAnAllocationFailure() {
        // A 4 TiB intermediate: more than any machine here has, so ONNX Runtime's allocation fails at run time.
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1, 1));
        Tensor mean = x.expand(Shape.of(1 << 20, 1 << 20)).mean();

        try (Session s = Session.create(new Program(Map.of("x", x), Map.of("mean", mean)), key -> null, Device.CPU)) {
            assertThatThrownBy(() -> s.run(Map.of("x", TensorData.of(new float[] {1}, 1, 1))))
                    .isInstanceOf(AllocationFailedException.class).hasMessageStartingWith("ONNX Runtime run failed: ");
        }
    }

    @Test
    void constantsAreComputedByTheRuntime() {
        Graph g = Graph.create();
        Tensor positions = g.constantLongs(0, 1, 2, 3, 4);
        Tensor angles = g.constant(TensorData.of(new float[] {0.5f, 1f, 1.5f}, 3))
                .mul(g.constant(TensorData.of(new float[] {2f}, 1)));

        try (Session s = Session.create(new Program(Map.of(), Map.of("positions", positions, "angles", angles)),
                n -> null, Device.CPU)) {
            Map<String, TensorData> out = s.run(Map.of());

            assertThat(out.get("positions").toDoubleArray()).containsExactly(0, 1, 2, 3, 4);
            assertThat(out.get("angles").toFloatArray()).containsExactly(1f, 2f, 3f);
        }
    }

    @Test
    void rejectsWeightOfTheWrongShapeNamingIt() {
        Graph g = Graph.create();
        Tensor w = g.weight("conv_in.weight", DType.FLOAT32, Shape.of(4, 3));
        TensorData wrong = TensorData.allocate(DType.FLOAT32, Shape.of(3, 4));
        Program p = new Program(Map.of(), Map.of("y", w.mul(2.0)));

        assertThatThrownBy(() -> Session.create(p, name -> wrong, Device.CPU))
                .hasMessageContaining("conv_in.weight")
                .hasMessageContaining("[3, 4]")
                .hasMessageContaining("[4, 3]");
    }

    @Test
    void rejectsFeedOfTheWrongShape() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
        try (Session s = Session.create(new Program(Map.of("x", x), Map.of("y", x.exp())), n -> null, Device.CPU)) {
            assertThatThrownBy(() -> s.run(Map.of("x", TensorData.allocate(DType.FLOAT32, Shape.of(3)))))
                    .hasMessageContaining("input x is FLOAT32[3] but the graph expects FLOAT32[2]");
        }
    }

    @Test
    void readsCudaProviderOptionsAndSessionConfigFromSystemProperties() {
        String before = System.getProperty(Session.CUDA_PROVIDER_OPTIONS);
        try {
            System.setProperty(Session.CUDA_PROVIDER_OPTIONS,
                    "cudnn_conv_algo_search=HEURISTIC, cudnn_conv_use_max_workspace=0");
            assertThat(Session.cudaProviderOptions()).containsExactly(
                    Map.entry("cudnn_conv_algo_search", "HEURISTIC"), Map.entry("cudnn_conv_use_max_workspace", "0"));

            System.setProperty(Session.SESSION_CONFIG, "session.use_device_allocator_for_initializers=1");
            assertThat(Session.sessionConfig()).containsExactly(
                    Map.entry("session.use_device_allocator_for_initializers", "1"));

            System.setProperty(Session.RUN_CONFIG, "memory.enable_memory_arena_shrinkage=gpu:0");
            assertThat(Session.runConfig()).containsExactly(Map.entry("memory.enable_memory_arena_shrinkage", "gpu:0"));

            System.setProperty(Session.CUDA_PROVIDER_OPTIONS, "cudnn_conv_algo_search");
            assertThatThrownBy(Session::cudaProviderOptions).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("key=value").hasMessageContaining("'cudnn_conv_algo_search'");
        } finally {
            System.clearProperty(Session.SESSION_CONFIG);
            System.clearProperty(Session.RUN_CONFIG);
            if (before == null) {
                System.clearProperty(Session.CUDA_PROVIDER_OPTIONS);
            } else {
                System.setProperty(Session.CUDA_PROVIDER_OPTIONS, before);
            }
        }
    }

    @Test
    void readsOnnxRuntimesLogSeverityFromItsProperty() {
        try {
            assertThat(Session.logSeverity()).isNull();
            System.setProperty(Session.LOG_SEVERITY, "1");
            assertThat(Session.logSeverity()).isEqualTo(OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO);
            Graph g = Graph.create();
            Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
            try (Session s = Session.create(new Program(Map.of("x", x), Map.of("y", x.add(1))), name -> null,
                    Device.CPU)) {
                assertThat(s.run(Map.of("x", TensorData.of(new float[] {1, 2}, 2))).get("y").toFloatArray())
                        .containsExactly(2, 3);
            }
            System.setProperty(Session.LOG_SEVERITY, "verbose");
            assertThatThrownBy(Session::logSeverity).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Session.LOG_SEVERITY).hasMessageContaining("'verbose'");
        } finally {
            System.clearProperty(Session.LOG_SEVERITY);
        }
    }

    @Test
    void aDeviceTensorRoundTripsThroughTheSessionsDevice() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(3));
        try (Session s = Session.create(new Program(Map.of("x", x), Map.of("y", x.add(1))), name -> null, Device.CPU);
                DeviceTensor t = s.upload(TensorData.of(new float[] {1, 2, 3}, 3))) {
            assertThat(t.toHost().toFloatArray()).containsExactly(1, 2, 3);

            t.copyFrom(TensorData.of(new float[] {4, 5, 6}, 3));

            assertThat(t.toHost().toFloatArray()).containsExactly(4, 5, 6);
            assertThatThrownBy(() -> t.copyFrom(TensorData.of(new float[] {1, 2}, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2]");
        }
    }

    @Test
    void aDeviceTensorIsOverwrittenFromAnotherOnItsDevice() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(3));
        try (Session s = Session.create(new Program(Map.of("x", x), Map.of("y", x.add(1))), name -> null, Device.CPU);
                DeviceTensor to = s.upload(TensorData.of(new float[] {1, 2, 3}, 3));
                DeviceTensor from = s.upload(TensorData.of(new float[] {7, 8, 9}, 3));
                DeviceTensor shorter = s.upload(TensorData.of(new float[] {1, 2}, 2))) {
            to.copyFrom(from);

            assertThat(to.toHost().toFloatArray()).containsExactly(7, 8, 9);
            assertThat(from.toHost().toFloatArray()).containsExactly(7, 8, 9);
            assertThatThrownBy(() -> to.copyFrom(shorter))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2]");
        }
    }

    @Test
    void anOutputLeftOnTheDeviceFeedsTheNextRunInPlace() {
        // x' = 2x, run three times with the state never copied to the host in between.
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
        Tensor scale = g.input("scale", DType.FLOAT32, Shape.of(2));
        Program program = new Program(Map.of("x", x, "scale", scale), Map.of("next", x.mul(scale), "sum", x.sum()));
        TensorData sum = TensorData.allocate(DType.FLOAT32, Shape.SCALAR);
        TensorData two = TensorData.of(new float[] {2, 2}, 2);
        try (Session s = Session.create(program, name -> null, Device.CPU); IoBinding binding = s.bind()) {
            DeviceTensor state = s.upload(TensorData.of(new float[] {1, 3}, 2));
            for (int run = 0; run < 3; run++) {
                Map<String, DeviceTensor> out = binding.input("x", state).input("scale", two)
                        .outputOnDevice("next").output("sum", sum).run();
                state.close();
                state = out.get("next");
                assertThat(out).containsOnlyKeys("next");
                assertThat(sum.get(0)).isEqualTo(4.0 * (1 << run));
            }
            assertThat(state.toHost().toFloatArray()).containsExactly(8, 24);
            state.close();

            assertThatThrownBy(() -> binding.input("x", TensorData.of(new float[] {1, 2, 3}, 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
            assertThatThrownBy(() -> binding.outputOnDevice("nothing"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no output nothing");
        }
    }

    @Test
    void anOutputBoundToADeviceTensorIsWrittenThereEachRun() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
        Program program = new Program(Map.of("x", x), Map.of("y", x.mul(3)));
        try (Session s = Session.create(program, name -> null, Device.CPU); IoBinding binding = s.bind();
                DeviceTensor in = s.allocate(DType.FLOAT32, Shape.of(2));
                DeviceTensor out = s.allocate(DType.FLOAT32, Shape.of(2))) {
            for (float v : new float[] {1, 5}) {
                in.copyFrom(TensorData.of(new float[] {v, -v}, 2));

                assertThat(binding.input("x", in).output("y", out).run()).isEmpty();
                assertThat(out.toHost().toFloatArray()).containsExactly(3 * v, -3 * v);
            }
            try (DeviceTensor wrong = s.allocate(DType.FLOAT32, Shape.of(3))) {
                assertThatThrownBy(() -> binding.output("y", wrong)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("the graph's is FLOAT32[2]");
            }
        }
    }

    @Test
    void boundRunsTakeTheRunConfigurationOfTheProperty() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
        Program program = new Program(Map.of("x", x), Map.of("y", x.add(1)));
        TensorData y = TensorData.allocate(DType.FLOAT32, Shape.of(2));
        try (Session s = Session.create(program, name -> null, Device.CPU)) {
            // The entry reaches ONNX Runtime: a CPU session has no arena, so shrinking one after the run is refused.
            System.setProperty(Session.RUN_CONFIG, "memory.enable_memory_arena_shrinkage=cpu:0");
            try (IoBinding binding = s.bind()) {
                assertThatThrownBy(() -> binding.input("x", TensorData.of(new float[] {1, 2}, 2)).output("y", y).run())
                        .hasMessageContaining("arena").hasMessageContaining("cpu:0");
            }
            System.clearProperty(Session.RUN_CONFIG);
            try (IoBinding binding = s.bind()) {
                binding.input("x", TensorData.of(new float[] {1, 2}, 2)).output("y", y).run();
                assertThat(y.toFloatArray()).containsExactly(2, 3);
            }
            // A training step's binding asks a GPU's arena to give free chunks back; on the CPU it asks nothing.
            try (IoBinding binding = s.bindReleasingFreeMemory()) {
                binding.input("x", TensorData.of(new float[] {3, 4}, 2)).output("y", y).run();
                assertThat(y.toFloatArray()).containsExactly(4, 5);
            }
        } finally {
            System.clearProperty(Session.RUN_CONFIG);
        }
    }

    @Test
    void everySessionOfTheProcessWritesItsOwnProfileWhenThePropertyIsSet(@TempDir Path dir) throws Exception {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
        Program program = new Program(Map.of("x", x), Map.of("y", x.add(1)));
        System.setProperty(Session.PROFILE, dir.resolve("p").toString());
        try (Session a = Session.create(program, name -> null, Device.CPU);
                Session b = Session.create(program, name -> null, Device.CPU)) {
            a.run(Map.of("x", TensorData.of(new float[] {1, 2}, 2)));
            b.run(Map.of("x", TensorData.of(new float[] {1, 2}, 2)));
        } finally {
            System.clearProperty(Session.PROFILE);
        }

        // Made within one second, each under its own number: ONNX Runtime names them by the second.
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).hasSize(2)
                    .allMatch(name -> name.matches("p-\\d+_.*\\.json"));
        }
    }

    @Test
    void aSessionForCudaGraphsRunsOnTheCpuAsAnyOther() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
        Program program = new Program(Map.of("x", x), Map.of("y", x.mul(2)));
        try (SharedWeights none = new SharedWeights(name -> null, Device.CPU);
                // The arena limit too is a GPU's alone: one byte would fail any run that allocates.
                Session s = Session.create(program, none, ExecutionOptions.on(Device.CPU).withCudaGraph(1));
                IoBinding binding = s.bind();
                DeviceTensor in = s.upload(TensorData.of(new float[] {1, -3}, 2));
                DeviceTensor out = s.allocate(DType.FLOAT32, Shape.of(2))) {
            binding.input("x", in).output("y", out).run();

            assertThat(out.toHost().toFloatArray()).containsExactly(2, -6);
        }
    }
}
