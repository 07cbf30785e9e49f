package io.sdtune.diffusion.onnx;

import com.google.protobuf.ByteString;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Node;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.onnx.proto.AttributeProto;
import io.sdtune.diffusion.onnx.proto.GraphProto;
import io.sdtune.diffusion.onnx.proto.ModelProto;
import io.sdtune.diffusion.onnx.proto.NodeProto;
import io.sdtune.diffusion.onnx.proto.OperatorSetIdProto;
import io.sdtune.diffusion.onnx.proto.StringStringEntryProto;
import io.sdtune.diffusion.onnx.proto.TensorProto;
import io.sdtune.diffusion.onnx.proto.TensorShapeProto;
import io.sdtune.diffusion.onnx.proto.TypeProto;
import io.sdtune.diffusion.onnx.proto.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes a {@link Program} as an ONNX model. Only the nodes the outputs depend on are written. Weights
 * become initializers marked as external data with no bytes in the model: the session binds them
 * from host buffers, so model size does not grow with the network's parameters.
 */
public final class OnnxExporter {
    /** ai.onnx opset: Reduce* take axes as an input (18+); ONNX Runtime 1.29 implements 21 fully. */
    public static final int OPSET = 21;
    /**
     * ONNX Runtime's contrib operators: an op type {@code com.microsoft.X} is written as op {@code X} of this
     * domain, version 1.
     */
    public static final String MICROSOFT = "com.microsoft";
    public static final int IR_VERSION = 10;
    /** The external-data location written for bound weights; never read from disk. */
    public static final String BOUND_LOCATION = "bound-at-session-creation";

    /** The model and the weights it expects to be bound, in initializer order. */
    public record Exported(ModelProto model, List<Tensor> weights) {
    }

    private final Set<Tensor> weights = new LinkedHashSet<>();
    private int identities;

    private OnnxExporter() {
    }

    public static Exported export(Program program) {
        OnnxExporter exporter = new OnnxExporter();
        GraphProto.Builder graph = exporter.graph(graphOf(program), program);
        for (Tensor w : exporter.weights) {
            graph.addInitializer(TensorProto.newBuilder()
                    .setName(w.name())
                    .setDataType(w.dtype().onnxCode())
                    .addAllDims(longs(w.shape().dims()))
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(BOUND_LOCATION)));
        }
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("sdtune")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1))
                .setGraph(graph)
                .build();
        return new Exported(model, List.copyOf(exporter.weights));
    }

    private static Graph graphOf(Program program) {
        for (Tensor t : program.outputs().values()) {
            return t.graph();
        }
        throw new IllegalArgumentException("program has no outputs");
    }

    private GraphProto.Builder graph(Graph g, Program program) {
        Set<Tensor> fed = new HashSet<>(program.inputs().values());
        Set<Node> needed = new HashSet<>();
        List<Tensor> stack = new ArrayList<>(program.outputs().values());
        Set<Tensor> seen = new HashSet<>();
        while (!stack.isEmpty()) {
            Tensor t = stack.remove(stack.size() - 1);
            if (!seen.add(t) || fed.contains(t)) {
                continue;
            }
            if (t.graph() != g) {
                throw new IllegalArgumentException("program outputs depend on " + t + " of another graph");
            } else if (t.kind() == Tensor.Kind.WEIGHT) {
                weights.add(t);
            } else if (t.kind() == Tensor.Kind.INPUT) {
                throw new IllegalArgumentException("input " + t + " is needed by the outputs but is not fed");
            } else if (needed.add(t.producer())) {
                stack.addAll(t.producer().inputs());
            }
        }

        // An output computed here takes the output's name directly; leaves and repeated outputs go through an
        // Identity.
        Map<Tensor, String> names = new HashMap<>();
        for (Map.Entry<String, Tensor> out : program.outputs().entrySet()) {
            Tensor t = out.getValue();
            if (!t.isLeaf() && !names.containsKey(t)) {
                names.put(t, out.getKey());
            }
        }
        Function<Tensor, String> nameOf = t -> names.getOrDefault(t, t.name());

        GraphProto.Builder proto = GraphProto.newBuilder().setName("main");
        for (Tensor in : program.inputs().values()) {
            proto.addInput(valueInfo(in.name(), in));
        }
        for (Node n : g.nodes()) {
            if (needed.contains(n)) {
                proto.addNode(node(n, nameOf));
            }
        }
        for (Map.Entry<String, Tensor> out : program.outputs().entrySet()) {
            Tensor t = out.getValue();
            if (!out.getKey().equals(nameOf.apply(t))) {
                proto.addNode(NodeProto.newBuilder().setOpType("Identity").setName("output_" + identities++)
                        .addInput(nameOf.apply(t)).addOutput(out.getKey()));
            }
            proto.addOutput(valueInfo(out.getKey(), t));
        }
        return proto;
    }

    private static NodeProto node(Node n, Function<Tensor, String> nameOf) {
        NodeProto.Builder b = NodeProto.newBuilder().setName(n.output(0).name());
        if (n.opType().startsWith(MICROSOFT + ".")) {
            b.setDomain(MICROSOFT).setOpType(n.opType().substring(MICROSOFT.length() + 1));
        } else {
            b.setOpType(n.opType());
        }
        n.inputs().forEach(t -> b.addInput(nameOf.apply(t)));
        n.outputs().forEach(t -> b.addOutput(nameOf.apply(t)));
        for (Map.Entry<String, Object> a : n.attributes().entrySet()) {
            AttributeProto.Builder attr = AttributeProto.newBuilder().setName(a.getKey());
            Object v = a.getValue();
            if (v instanceof Long l) {
                attr.setType(AttributeProto.AttributeType.INT).setI(l);
            } else if (v instanceof Double d) {
                attr.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
            } else if (v instanceof long[] ls) {
                attr.setType(AttributeProto.AttributeType.INTS).addAllInts(longs(ls));
            } else if (v instanceof String s) {
                attr.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
            } else if (v instanceof TensorData t) {
                attr.setType(AttributeProto.AttributeType.TENSOR).setT(tensor(t));
            } else {
                throw new IllegalStateException("attribute " + a.getKey() + " of " + n + " has unsupported type " + v.getClass());
            }
            b.addAttribute(attr);
        }
        return b.build();
    }

    private static TensorProto tensor(TensorData t) {
        return TensorProto.newBuilder()
                .setDataType(t.dtype().onnxCode())
                .addAllDims(longs(t.shape().dims()))
                .setRawData(ByteString.copyFrom(t.data().duplicate().rewind()))
                .build();
    }

    private static ValueInfoProto valueInfo(String name, Tensor t) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : t.shape().dims()) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(t.dtype().onnxCode()).setShape(shape)))
                .build();
    }

    private static List<Long> longs(long[] values) {
        List<Long> l = new ArrayList<>(values.length);
        for (long v : values) {
            l.add(v);
        }
        return l;
    }
}
