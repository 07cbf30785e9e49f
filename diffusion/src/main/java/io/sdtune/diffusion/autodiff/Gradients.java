package io.sdtune.diffusion.autodiff;

import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Node;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation: appends to the loss's graph the ops that compute the gradient of a
 * scalar loss w.r.t. chosen tensors. Only nodes on a path from one of those tensors to the loss get a
 * backward rule; anything else the rules build and no output needs is dropped when the graph is
 * exported.
 *
 * <p>With a {@link CheckpointPolicy}, the values inside each chosen forward segment are not kept for
 * the backward pass: the segment is rebuilt from its inputs right before its gradients are needed.
 * The rebuilt inputs take a zero-valued dependency on the incoming gradient, so the runtime cannot
 * schedule the recomputation earlier than the backward pass reaches it.
 */
public final class Gradients {
    private final Graph graph;
    private final CheckpointPolicy policy;
    private final Map<Tensor, Tensor> grads = new HashMap<>();
    private final Map<String, Map<Tensor, Tensor>> recomputed = new HashMap<>();
    private final List<Node> forward;

    private Gradients(Graph graph, CheckpointPolicy policy) {
        this.graph = graph;
        this.policy = policy;
        this.forward = List.copyOf(graph.nodes());
    }

    /** {@code ∂loss/∂t} for each {@code t} in {@code wrt}, in order. */
    public static Map<Tensor, Tensor> of(Tensor loss, List<Tensor> wrt) {
        return of(loss, wrt, CheckpointPolicy.none());
    }

    public static Map<Tensor, Tensor> of(Tensor loss, List<Tensor> wrt, CheckpointPolicy policy) {
        if (loss.rank() != 0 || !loss.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("loss must be a floating-point scalar, got " + loss);
        }
        return new Gradients(loss.graph(), policy).run(loss, wrt);
    }

    private Map<Tensor, Tensor> run(Tensor loss, List<Tensor> wrt) {
        Set<Tensor> dependsOnWrt = new HashSet<>(wrt);
        for (Node n : forward) {
            if (n.inputs().stream().anyMatch(dependsOnWrt::contains)) {
                dependsOnWrt.addAll(n.outputs());
            }
        }
        List<Node> path = graph.nodesComputing(loss).stream()
                .filter(n -> n.inputs().stream().anyMatch(dependsOnWrt::contains)).toList();

        grads.put(loss, graph.scalar(1, loss.dtype()));
        for (int i = path.size() - 1; i >= 0; i--) {
            backward(path.get(i), dependsOnWrt);
        }

        Map<Tensor, Tensor> result = new LinkedHashMap<>();
        for (Tensor t : wrt) {
            Tensor g = grads.get(t);
            result.put(t, g != null ? g : graph.zeros(t.dtype(), t.shape()));
        }
        return result;
    }

    private void backward(Node n, Set<Tensor> dependsOnWrt) {
        for (int i = 1; i < n.outputs().size(); i++) {
            if (grads.containsKey(n.output(i))) {
                throw new UnsupportedOperationException(n + ": only the first output is differentiable");
            }
        }
        Tensor dy = grads.get(n.output(0));
        if (dy == null) {
            return;
        }
        Derivatives.Rule rule = Derivatives.RULES.get(n.opType());
        if (rule == null) {
            throw new UnsupportedOperationException("no derivative rule for " + n.opType()
                    + (n.scope().isEmpty() ? "" : " at " + n.scope()));
        }
        List<Tensor> inputGrads = rule.vjp(forwardValues(n, dy), dy);
        for (int i = 0; i < n.inputs().size() && i < inputGrads.size(); i++) {
            Tensor in = n.input(i);
            Tensor g = inputGrads.get(i);
            if (g != null && dependsOnWrt.contains(in) && in.dtype().isFloatingPoint()) {
                accumulate(in, sumToShape(g, in.shape()));
            }
        }
    }

    private void accumulate(Tensor t, Tensor g) {
        grads.merge(t, g, Tensor::add);
    }

    /** Reduces a gradient of a broadcast result to the shape of the operand that was broadcast. */
    static Tensor sumToShape(Tensor g, Shape target) {
        if (g.shape().equals(target)) {
            return g;
        }
        int lead = g.rank() - target.rank();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < g.rank(); i++) {
            if (i < lead || (target.dim(i - lead) == 1 && g.shape().dim(i) != 1)) {
                axes.add(i);
            }
        }
        return g.sum(true, axes.stream().mapToInt(Integer::intValue).toArray()).reshape(target);
    }

    /** The node as its rule should see it: over recomputed values when it lies in a checkpointed segment. */
    private Node forwardValues(Node n, Tensor dy) {
        String segment = policy.segmentOf(n.scope());
        if (segment == null) {
            return n;
        }
        Map<Tensor, Tensor> values = recomputed.computeIfAbsent(segment, s -> recompute(s, dy));
        return n.withValues(n.inputs().stream().map(t -> values.getOrDefault(t, t)).toList(),
                n.outputs().stream().map(t -> values.getOrDefault(t, t)).toList());
    }

    private Map<Tensor, Tensor> recompute(String segment, Tensor dy) {
        List<Node> nodes = forward.stream().filter(n -> segment.equals(policy.segmentOf(n.scope()))).toList();
        Set<Tensor> inside = new HashSet<>();
        nodes.forEach(n -> inside.addAll(n.outputs()));
        Tensor gate = dy.reshape(-1).slice(0, 0, 1).sum().mul(0);
        Map<Tensor, Tensor> values = new HashMap<>();
        for (Node n : nodes) {
            List<Tensor> inputs = new ArrayList<>();
            for (Tensor in : n.inputs()) {
                Tensor v = values.get(in);
                if (v == null && !inside.contains(in) && !in.isLeaf() && in.dtype().isFloatingPoint()
                        && in.constantValue() == null) {
                    v = in.add(gate.cast(in.dtype()));
                    values.put(in, v);
                }
                inputs.add(v != null ? v : in);
            }
            List<Tensor> outputs = graph.replay(n, inputs);
            for (int i = 0; i < outputs.size(); i++) {
                values.put(n.output(i), outputs.get(i));
            }
        }
        return values;
    }

}
