package io.sdtune.diffusion.graph;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One ONNX operator application: {@code outputs = opType(inputs; attributes)}. Attribute values are
 * {@code Long}, {@code Double}, {@code long[]}, {@code String} or {@link TensorData}.
 */
public final class Node {
    private final String opType;
    private final List<Tensor> inputs;
    private final Map<String, Object> attributes;
    private final String scope;
    private List<Tensor> outputs = List.of();

    Node(String opType, List<Tensor> inputs, Map<String, Object> attributes, String scope) {
        this.opType = opType;
        this.inputs = List.copyOf(inputs);
        this.attributes = Collections.unmodifiableMap(attributes);
        this.scope = scope;
    }

    void setOutputs(List<Tensor> outputs) {
        this.outputs = List.copyOf(outputs);
    }

    public String opType() {
        return opType;
    }

    public List<Tensor> inputs() {
        return inputs;
    }

    public Tensor input(int i) {
        return inputs.get(i);
    }

    public List<Tensor> outputs() {
        return outputs;
    }

    public Tensor output(int i) {
        return outputs.get(i);
    }

    public Map<String, Object> attributes() {
        return attributes;
    }

    /** The module path the node was built under, e.g. {@code down_blocks.0.resnets.1}. */
    public String scope() {
        return scope;
    }

    public long attrLong(String name) {
        return (Long) attribute(name);
    }

    public long[] attrLongs(String name) {
        return ((long[]) attribute(name)).clone();
    }

    public double attrDouble(String name) {
        return (Double) attribute(name);
    }

    private Object attribute(String name) {
        Object v = attributes.get(name);
        if (v == null) {
            throw new IllegalStateException(opType + " node has no attribute " + name);
        }
        return v;
    }

    /**
     * The same operator seen through other tensors: used by the backward pass to apply a rule to
     * recomputed forward values. The view is not part of any graph.
     */
    public Node withValues(List<Tensor> inputs, List<Tensor> outputs) {
        Node view = new Node(opType, inputs, attributes, scope);
        view.setOutputs(outputs);
        return view;
    }

    @Override
    public String toString() {
        return opType + (scope.isEmpty() ? "" : " at " + scope);
    }
}
