package io.sdtune.diffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.autodiff.Gradients;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.onnx.OnnxExporter;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AttentionTest {

    @Test
    void onnxRuntimesFusedMultiHeadAttentionComputesTheSameAsTheOpByOpGraph() {
        // Self-attention (M = N) and cross-attention to a shorter context (M = 7), 3 heads of 8.
        for (long m : new long[] {12, 7}) {
            Random random = new Random(m);
            Map<String, TensorData> feeds = Map.of(
                    "q", TensorData.randn(DType.FLOAT32, Shape.of(2, 12, 24), 1, random),
                    "k", TensorData.randn(DType.FLOAT32, Shape.of(2, m, 24), 1, random),
                    "v", TensorData.randn(DType.FLOAT32, Shape.of(2, m, 24), 1, random));

            float[] opByOp = attention(false, m, feeds);
            float[] fused = attention(true, m, feeds);

            assertThat(fused).hasSameSizeAs(opByOp);
            for (int i = 0; i < fused.length; i++) {
                assertThat(fused[i]).isCloseTo(opByOp[i], within(1e-5f));
            }
        }
    }

    @Test
    void theFusedAttentionsGradientsEqualTheOpByOpGraphsAcrossBlocksOfQueryRows() {
        // 8292 x 2048 scores: more than the rule computes at once (2^24), so its backward pass takes blocks of
        // 8192 query rows and then 100.
        Random random = new Random(11);
        Map<String, TensorData> feeds = Map.of(
                "q", TensorData.randn(DType.FLOAT32, Shape.of(1, 8292, 4), 1, random),
                "k", TensorData.randn(DType.FLOAT32, Shape.of(1, 2048, 4), 1, random),
                "v", TensorData.randn(DType.FLOAT32, Shape.of(1, 2048, 4), 1, random),
                "r", TensorData.randn(DType.FLOAT32, Shape.of(1, 8292, 4), 1, random));

        Map<String, TensorData> opByOp = attentionGradients(false, feeds);
        Map<String, TensorData> fused = attentionGradients(true, feeds);

        for (String input : new String[] {"q", "k", "v"}) {
            float[] expected = opByOp.get("d" + input).toFloatArray();
            float[] actual = fused.get("d" + input).toFloatArray();
            for (int i = 0; i < actual.length; i++) {
                assertThat(actual[i]).as("d%s[%d]", input, i).isCloseTo(expected[i], within(1e-4f + 1e-3f * Math.abs(expected[i])));
            }
        }
    }

    /** The gradients of {@code Σ attention(q, k, v) ⊙ r} with respect to q, k and v. */
    private static Map<String, TensorData> attentionGradients(boolean contribOps, Map<String, TensorData> feeds) {
        Graph g = Graph.create();
        if (contribOps) {
            g.useContribOps();
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        feeds.forEach((name, value) -> inputs.put(name, g.input(name, value.dtype(), value.shape())));
        Tensor loss = Attention.multiHead(inputs.get("q"), inputs.get("k"), inputs.get("v"), 1, null, false)
                .mul(inputs.get("r")).sum();
        List<Tensor> wrt = List.of(inputs.get("q"), inputs.get("k"), inputs.get("v"));
        Map<Tensor, Tensor> grads = Gradients.of(loss, wrt);
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        wrt.forEach(x -> outputs.put("d" + x.name(), grads.get(x)));
        try (Session s = Session.create(new Program(inputs, outputs), n -> null, Device.CPU)) {
            return s.run(feeds);
        }
    }

    @Test
    void aContribOpIsWrittenInTheMicrosoftDomain() {
        Graph g = Graph.create();
        g.useContribOps();
        Tensor q = g.input("q", DType.FLOAT32, Shape.of(1, 4, 8));
        Tensor out = Attention.multiHead(q, q, q, 2, null, false);

        var model = OnnxExporter.export(new Program(Map.of("q", q), Map.of("out", out))).model();

        assertThat(model.getGraph().getNodeList()).anySatisfy(n -> {
            assertThat(n.getDomain()).isEqualTo(OnnxExporter.MICROSOFT);
            assertThat(n.getOpType()).isEqualTo("MultiHeadAttention");
        });
        assertThat(model.getOpsetImportList()).anySatisfy(o -> assertThat(o.getDomain()).isEqualTo(OnnxExporter.MICROSOFT));
    }

    @Test
    void upcastAttentionComputesHalfPrecisionScoresInFloat32() {
        // Per head q·k/√d = 8 · 300² / √8 ≈ 2.5e5, beyond float16's 65504: without upcasting the scores overflow.
        TensorData large = TensorData.allocate(DType.FLOAT32, Shape.of(1, 4, 16));
        for (long i = 0; i < large.size(); i++) {
            large.set(i, 300);
        }
        TensorData v = TensorData.randn(DType.FLOAT32, Shape.of(1, 4, 16), 1, new Random(5));
        Map<String, TensorData> feeds = Map.of("q", large.to(DType.FLOAT16), "v", v.to(DType.FLOAT16));

        float[] plain = halfPrecisionSelfAttention(false, feeds);
        float[] upcast = halfPrecisionSelfAttention(true, feeds);

        assertThat(plain).satisfiesAnyOf(p -> assertThat(p).contains(Float.NaN),
                p -> assertThat(p).contains(Float.POSITIVE_INFINITY));
        // Equal scores: every token attends to all four alike, so each output is the mean of v over the tokens.
        float[] values = v.toFloatArray();
        for (int i = 0; i < upcast.length; i++) {
            int channel = i % 16;
            double mean = (values[channel] + values[16 + channel] + values[32 + channel] + values[48 + channel]) / 4;
            assertThat((double) upcast[i]).isCloseTo(mean, within(2e-3));
        }
    }

    private static float[] halfPrecisionSelfAttention(boolean upcast, Map<String, TensorData> feeds) {
        Graph g = Graph.create();
        Tensor q = g.input("q", DType.FLOAT16, Shape.of(1, 4, 16));
        Tensor v = g.input("v", DType.FLOAT16, Shape.of(1, 4, 16));
        Tensor out = Attention.multiHead(q, q, v, 2, null, upcast).cast(DType.FLOAT32);
        try (Session s = Session.create(new Program(Map.of("q", q, "v", v), Map.of("out", out)), n -> null, Device.CPU)) {
            return s.run(feeds).get("out").toFloatArray();
        }
    }

    private static float[] attention(boolean contribOps, long m, Map<String, TensorData> feeds) {
        Graph g = Graph.create();
        if (contribOps) {
            g.useContribOps();
        }
        Tensor q = g.input("q", DType.FLOAT32, Shape.of(2, 12, 24));
        Tensor k = g.input("k", DType.FLOAT32, Shape.of(2, m, 24));
        Tensor v = g.input("v", DType.FLOAT32, Shape.of(2, m, 24));
        Tensor out = Attention.multiHead(q, k, v, 3, null, false);
        try (Session s = Session.create(new Program(Map.of("q", q, "k", k, "v", v), Map.of("out", out)), n -> null,
                Device.CPU)) {
            return s.run(feeds).get("out").toFloatArray();
        }
    }
}
