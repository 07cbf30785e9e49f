package io.sdtune.diffusion.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A symbolic computation under construction. Ops are appended in the order they are built, which is
 * always a topological order. Shapes are static and checked as each op is added.
 */
public final class Graph {
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final Deque<String> scopes = new ArrayDeque<>();
    private int counter;
    private final Map<String, Tensor> masterCasts = new HashMap<>();
    private MasterWeights masterWeights;
    private boolean contribOps;
    private boolean cudaContribOps;

    private Graph() {
    }

    public static Graph create() {
        return new Graph();
    }

    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** A value fed at every run. */
    public Tensor input(String name, DType dtype, Shape shape) {
        return new Tensor(this, name, dtype, shape, null, Tensor.Kind.INPUT);
    }

    /**
     * A named weight, bound from a buffer when a session is created. Asking twice for one name gives
     * the same tensor; asking with another type or shape is an error, unless {@link #storeWeights}
     * keeps that weight in another dtype.
     */
    public Tensor weight(String name, DType dtype, Shape shape) {
        if (masterWeights != null && dtype != masterWeights.dtype() && masterWeights.names().test(name)) {
            Tensor master = declare(name, masterWeights.dtype(), shape);
            return masterCasts.computeIfAbsent(name + "@" + dtype, k -> master.cast(dtype));
        }
        return declare(name, dtype, shape);
    }

    /**
     * Keeps the weights whose names match in {@code storage} whatever dtype a module asks them in: it
     * gets a cast of the stored weight (mixed precision's master weights, e.g. float32 trainable
     * parameters of a float16 model). Set before the model is built.
     */
    public void storeWeights(Predicate<String> names, DType storage) {
        masterWeights = new MasterWeights(names, storage);
    }

    private record MasterWeights(Predicate<String> names, DType dtype) {
    }

    /**
     * Lets modules use ONNX Runtime's fused contrib operators ({@code com.microsoft}, e.g. {@code MultiHeadAttention})
     * where they have them; a graph that is differentiated may use only those with a rule in the autodiff's table.
     * Set before the model is built.
     */
    public void useContribOps() {
        contribOps = true;
    }

    /**
     * Lets modules also use the contrib operators ONNX Runtime has on CUDA only (e.g. {@code GroupNorm}), which have
     * no rule in the autodiff's table: for graphs whose sessions run on CUDA and are not differentiated. Set before the
     * model is built.
     */
    public void useCudaContribOps() {
        useContribOps();
        cudaContribOps = true;
    }

    /** Whether {@link #useContribOps} (or {@link #useCudaContribOps}) was called. */
    public boolean contribOps() {
        return contribOps;
    }

    /** Whether {@link #useCudaContribOps} was called. */
    public boolean cudaContribOps() {
        return cudaContribOps;
    }

    private Tensor declare(String name, DType dtype, Shape shape) {
        Tensor existing = weights.get(name);
        if (existing != null) {
            if (existing.dtype() != dtype || !existing.shape().equals(shape)) {
                throw new IllegalArgumentException("weight " + name + " declared as " + existing.dtype() + existing.shape()
                        + " and again as " + dtype + shape);
            }
            return existing;
        }
        Tensor w = new Tensor(this, name, dtype, shape, null, Tensor.Kind.WEIGHT);
        weights.put(name, w);
        return w;
    }

    public Map<String, Tensor> weights() {
        return Collections.unmodifiableMap(weights);
    }

    public Tensor constant(TensorData value) {
        return op("Constant", List.of(), Map.of("value", value), value.dtype(), value.shape());
    }

    public Tensor scalar(double value, DType dtype) {
        return constant(TensorData.scalar(dtype, value));
    }

    public Tensor constantLongs(long... values) {
        return constant(TensorData.ofLongs(values, values.length));
    }

    public Tensor zeros(DType dtype, Shape shape) {
        return scalar(0, dtype).expand(shape);
    }

    public Tensor ones(DType dtype, Shape shape) {
        return scalar(1, dtype).expand(shape);
    }

    /** Enters a module scope; nodes built inside carry the dotted path, as in a state dict. */
    public Scope scope(String name) {
        scopes.addLast(name);
        return () -> scopes.removeLast();
    }

    public String currentScope() {
        return String.join(".", scopes);
    }

    /** A scope that ends with a try-with-resources block. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Adds one node and returns its outputs. */
    public List<Tensor> apply(String opType, List<Tensor> inputs, Map<String, Object> attributes, List<DType> dtypes,
            List<Shape> shapes) {
        for (Tensor t : inputs) {
            if (t.graph() != this) {
                throw new IllegalArgumentException(opType + ": inputs come from another graph " + inputs);
            }
        }
        Node node = new Node(opType, inputs, new LinkedHashMap<>(attributes), currentScope());
        List<Tensor> outputs = new ArrayList<>();
        for (int i = 0; i < dtypes.size(); i++) {
            String name = (node.scope().isEmpty() ? "" : node.scope() + "/") + opType + "_" + counter++;
            outputs.add(new Tensor(this, name, dtypes.get(i), shapes.get(i), node, Tensor.Kind.COMPUTED));
        }
        node.setOutputs(outputs);
        nodes.add(node);
        return outputs;
    }

    Tensor op(String opType, List<Tensor> inputs, Map<String, Object> attributes, DType dtype, Shape shape) {
        return apply(opType, inputs, attributes, List.of(dtype), List.of(shape)).get(0);
    }

    /** Rebuilds {@code node} in this graph over other inputs, e.g. to recompute a forward segment. */
    public List<Tensor> replay(Node node, List<Tensor> inputs) {
        List<DType> dtypes = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Tensor out : node.outputs()) {
            dtypes.add(out.dtype());
            shapes.add(out.shape());
        }
        for (int i = 0; i < inputs.size(); i++) {
            Tensor was = node.input(i);
            Tensor now = inputs.get(i);
            if (was.dtype() != now.dtype() || !was.shape().equals(now.shape())) {
                throw new ShapeException(node.opType(), inputs, node.scope(),
                        "replayed input " + i + " must be " + was.dtype() + was.shape());
            }
        }
        try (Scope ignored = scopeAt(node.scope())) {
            return apply(node.opType(), inputs, node.attributes(), dtypes, shapes);
        }
    }

    /** Builds under the module path {@code scope} (absolute, dotted) until closed. */
    public Scope scopeAt(String scope) {
        List<String> saved = new ArrayList<>(scopes);
        scopes.clear();
        if (!scope.isEmpty()) {
            scopes.addLast(scope);
        }
        return () -> {
            scopes.clear();
            scopes.addAll(saved);
        };
    }

    /** The nodes of this graph that {@code output} depends on, in graph (topological) order. */
    public List<Node> nodesComputing(Tensor output) {
        Set<Tensor> needed = new HashSet<>(List.of(output));
        List<Node> path = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.outputs().stream().anyMatch(needed::contains)) {
                needed.addAll(n.inputs());
                path.add(n);
            }
        }
        Collections.reverse(path);
        return path;
    }
}
