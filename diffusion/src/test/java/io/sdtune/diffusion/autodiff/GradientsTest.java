package io.sdtune.diffusion.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Node;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.onnx.OnnxExporter;
import io.sdtune.diffusion.onnx.proto.NodeProto;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GradientsTest {

    @Test
    void onlyTheBackwardOpsTheRequestedGradientsNeedAreExported() {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(1, 2, 6, 6));
        Tensor w = g.weight("conv.weight", DType.FLOAT32, Shape.of(3, 2, 3, 3));
        Tensor loss = x.conv2d(w, null, 1, 1).square().mean();

        Tensor dw = Gradients.of(loss, List.of(w)).get(w);
        List<String> ops = OnnxExporter.export(new Program(Map.of("x", x, "conv.weight", w), Map.of("dw", dw)))
                .model().getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();

        assertThat(ops).contains("Conv").doesNotContain("ConvTranspose");
    }

    @Test
    void aGradientThatDoesNotDependOnTheInputIsZero() {
        Graph g = Graph.create();
        Tensor a = g.input("a", DType.FLOAT32, Shape.of(3));
        Tensor unused = g.input("unused", DType.FLOAT32, Shape.of(2));

        Tensor grad = Gradients.of(a.square().sum(), List.of(unused)).get(unused);

        assertThat(grad.shape()).isEqualTo(Shape.of(2));
        try (Session s = Session.create(new Program(Map.of(), Map.of("g", grad)), n -> null, Device.CPU)) {
            assertThat(s.run(Map.of()).get("g").toFloatArray()).containsExactly(0f, 0f);
        }
    }

    @Test
    void anOpWithoutRuleOnThePathIsReportedWithItsModulePath() {
        Graph g = Graph.create();
        Tensor a = g.input("a", DType.FLOAT32, Shape.of(3));
        Tensor y;
        try (var s = g.scope("clip")) {
            y = a.minimum(g.scalar(1, DType.FLOAT32));
        }
        Tensor loss = y.sum();

        assertThatThrownBy(() -> Gradients.of(loss, List.of(a)))
                .hasMessage("no derivative rule for Min at clip");
    }

    @Test
    void checkpointedSegmentsGiveTheSameGradientsFromRecomputedValues() {
        Map<String, TensorData> plain = gradientsOfTwoBlocks(CheckpointPolicy.none(), null);
        Set<Tensor> interiorUsedByBackward = new HashSet<>();
        Map<String, TensorData> recomputed = gradientsOfTwoBlocks(CheckpointPolicy.modules("blocks\\.\\d+"), interiorUsedByBackward);

        for (String name : plain.keySet()) {
            assertThat(recomputed.get(name).toFloatArray()).as(name)
                    .containsExactly(plain.get(name).toFloatArray(), within(1e-6f));
        }
        assertThat(interiorUsedByBackward).as("forward values inside checkpointed blocks read by the backward pass")
                .isEmpty();
    }

    /**
     * Two MLP blocks under {@code blocks.0} and {@code blocks.1}; returns the weight gradients and
     * collects, if asked, the values computed inside a block that a backward op reads.
     */
    private static Map<String, TensorData> gradientsOfTwoBlocks(CheckpointPolicy policy, Set<Tensor> interiorUsed) {
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.FLOAT32, Shape.of(4, 8));
        Tensor h = x;
        for (int i = 0; i < 2; i++) {
            try (var s = g.scope("blocks." + i)) {
                h = h.add(h.linear(g.weight("blocks." + i + ".fc1", DType.FLOAT32, Shape.of(16, 8)), null).gelu()
                        .linear(g.weight("blocks." + i + ".fc2", DType.FLOAT32, Shape.of(8, 16)), null));
            }
        }
        Tensor loss = h.square().mean();
        int forwardNodes = g.nodes().size();
        List<Tensor> weights = List.copyOf(g.weights().values());
        Map<Tensor, Tensor> grads = Gradients.of(loss, weights, policy);

        if (interiorUsed != null) {
            List<Node> forward = g.nodes().subList(0, forwardNodes);
            Set<Tensor> interior = new HashSet<>();
            forward.forEach(n -> interior.addAll(n.outputs()));
            for (Node n : forward) {
                n.inputs().stream().filter(t -> !t.isLeaf() && !n.scope().equals(t.producer().scope()))
                        .forEach(interior::remove);
            }
            interior.remove(h);
            for (Node n : g.nodes().subList(forwardNodes, g.nodes().size())) {
                n.inputs().stream().filter(interior::contains).forEach(interiorUsed::add);
            }
        }

        Map<String, Tensor> outputs = new LinkedHashMap<>();
        weights.forEach(w -> outputs.put("d" + w.name(), grads.get(w)));
        Random random = new Random(5);
        Map<String, TensorData> data = new LinkedHashMap<>();
        weights.forEach(w -> data.put(w.name(), TensorData.randn(DType.FLOAT32, w.shape(), 0.3, random)));
        try (Session s = Session.create(new Program(Map.of("x", x), outputs), data::get, Device.CPU)) {
            return s.run(Map.of("x", TensorData.randn(DType.FLOAT32, x.shape(), 1, new Random(6))));
        }
    }
}
