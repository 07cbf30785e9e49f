package io.sdtune.diffusion.runtime;

import io.sdtune.diffusion.graph.Node;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The memory a {@link Program} holds on its device during a run, read from its graph before any session exists:
 * the bound weights (and constants), the fed inputs (ONNX Runtime copies host inputs to the device for the run),
 * and the most bytes of computed values alive at once when the nodes run in ONNX Runtime's order - each value
 * allocated when its producer runs and freed after its last reader, as its allocation planner frees them.
 * Sessions run without constant folding ({@link Session}), so values computed from constants are computed at each
 * run like any other, and a weight's transpose costs nothing: ONNX Runtime reads the weight itself, transposed by
 * the MatMul that takes it ({@code FusedMatMul}), or cancels it with the backward pass's transpose back. Like that
 * planner, an elementwise op writes into an input of its size that dies there, and {@code Reshape},
 * {@code Identity}, {@code Squeeze}, {@code Unsqueeze} and {@code Flatten} alias their input instead of copying
 * it, except where they compute a program output, which always has a buffer of its own; program outputs stay
 * allocated to the end. Not counted: the runtime's fixed cost (CUDA context, library workspaces), which callers add
 * from measurement, and what ONNX Runtime holds beyond the planning, which {@link #held} adds.
 *
 * @param weights bytes of the weights and constants the program reads
 * @param inputs bytes of the values fed at each run
 * @param peakComputed the most bytes of computed values alive at once
 */
public record MemoryEstimate(long weights, long inputs, long peakComputed) {
    private static final Set<String> ALIASES = Set.of("Reshape", "Identity", "Squeeze", "Unsqueeze", "Flatten");
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Neg", "Sqrt", "Exp", "Log",
            "Tanh", "Sigmoid", "Erf", "Relu", "Abs", "Pow", "Where", "Clip", "Min", "Max", "Sin", "Cos");

    /**
     * How many bytes ONNX Runtime held per byte of computed values this model counts: measured 1.29-1.45 on an
     * H100 (LoRA and Textual Inversion in float16 and float32, DreamBooth with 8-bit AdamW, SD 1.5 at 512 px, the
     * arenas' {@code MaxInUse}) and 1.30-1.40 on this project's CPU (an arena registered for the measurement; LoRA
     * at 128, 256 and 384 px, Textual Inversion at 256). Ruled out as the cause: elementwise ops that CUDA runs out
     * of place (1-3%), the arena's unsplit chunks (under 1%), common subexpression elimination and ONNX Runtime's
     * order (nothing), cuDNN's workspaces (0.1 GiB). Not covered: a step with gradient checkpointing held 3.6-3.7
     * times its counted values on the CPU (LoRA, SD 1.5's shapes at 256 px and the world model at 64 px);
     * DreamBooth's checkpointed step is within the range because its values are mostly gradients and update values.
     * BENCHMARKS.md, "The estimate against what ONNX Runtime holds".
     */
    static final double HELD_PER_COUNTED = 1.37;

    public long total() {
        return weights + inputs + peakComputed;
    }

    /**
     * This estimate with its computed values as ONNX Runtime holds them ({@link #HELD_PER_COUNTED} times what the
     * planning counts): what a device must have for the program's run.
     */
    public MemoryEstimate held() {
        return new MemoryEstimate(weights, inputs, Math.round(peakComputed * HELD_PER_COUNTED));
    }

    public static MemoryEstimate of(Program program) {
        Set<Tensor> leaves = new LinkedHashSet<>();
        long computed = peak(List.copyOf(program.outputs().values()), leaves);
        // A weight the program is fed (a trained parameter) is an input of the session, not bound to it.
        leaves.removeAll(program.inputs().values());
        long weights = leaves.stream().mapToLong(Tensor::byteSize).sum();
        long inputs = program.inputs().values().stream().mapToLong(Tensor::byteSize).sum();
        return new MemoryEstimate(weights, inputs, computed);
    }

    /** A block of device memory and how many values still to be read live in it. */
    private static final class Buffer {
        final long bytes;
        int readers;

        Buffer(long bytes) {
            this.bytes = bytes;
        }
    }

    /**
     * The peak bytes of values computed for {@code outputs} in their graph; adds the weights read, and the
     * constants, to {@code leaves}.
     */
    private static long peak(List<Tensor> outputs, Set<Tensor> leaves) {
        List<Node> order = needed(outputs);
        Map<Tensor, Integer> lastRead = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            for (Tensor in : order.get(i).inputs()) {
                lastRead.put(in, i);
            }
        }
        Set<Tensor> kept = new HashSet<>(outputs);
        Map<Tensor, Buffer> buffers = new HashMap<>();
        long live = 0;
        long peak = 0;
        for (int i = 0; i < order.size(); i++) {
            Node node = order.get(i);
            if (node.opType().equals("Constant")) {
                leaves.addAll(node.outputs());
                continue;
            }
            node.inputs().stream().filter(in -> in.kind() == Tensor.Kind.WEIGHT).forEach(leaves::add);
            if (node.opType().equals("Transpose") && weightOrItsTranspose(node.input(0))) {
                continue;
            }
            // Values read here for the last time: their buffers are free once no other value in them is read.
            List<Buffer> freed = new ArrayList<>();
            for (Tensor in : new LinkedHashSet<>(node.inputs())) {
                Buffer b = buffers.get(in);
                if (b != null && lastRead.get(in) == i && !kept.contains(in) && --b.readers == 0) {
                    freed.add(b);
                }
            }
            long allocated = 0;
            for (Tensor out : node.outputs()) {
                Buffer b = null;
                // A program's outputs get buffers of their own: ONNX Runtime hands them to the caller.
                boolean shared = !kept.contains(out);
                if (shared && ALIASES.contains(node.opType()) && buffers.containsKey(node.input(0))) {
                    b = buffers.get(node.input(0));
                } else if (shared && ELEMENTWISE.contains(node.opType())) {
                    b = freed.stream().filter(f -> f.bytes == out.byteSize()).findFirst().orElse(null);
                }
                if (b == null) {
                    b = new Buffer(out.byteSize());
                    allocated += b.bytes;
                } else {
                    freed.remove(b);
                }
                if (lastRead.containsKey(out) || kept.contains(out)) {
                    b.readers++;
                } else if (b.readers == 0 && !freed.contains(b)) {
                    freed.add(b);
                }
                buffers.put(out, b);
            }
            live += allocated;
            peak = Math.max(peak, live);
            for (Buffer b : freed) {
                live -= b.bytes;
            }
        }
        return peak;
    }

    /** A weight or a transpose of one, which ONNX Runtime fuses into the MatMul reading it or cancels. */
    private static boolean weightOrItsTranspose(Tensor t) {
        Node producer = t.producer();
        return t.kind() == Tensor.Kind.WEIGHT
                || producer != null && producer.opType().equals("Transpose") && weightOrItsTranspose(producer.input(0));
    }

    /**
     * The nodes the outputs depend on, constants first, then the others in the order ONNX Runtime runs them: its
     * default order ({@code GraphViewer}'s) is the post-order of a depth-first search from the nodes no node reads,
     * the latest of them first and each node's inputs latest first, "latest" by position in the model, which is
     * graph order. Not graph order itself: the search computes a value only when it reaches a node that reads it,
     * and what that value is made from stays alive until then; an SD 1.5 LoRA step's activations, estimated in
     * graph order at 1.04 GiB, were 1.47 in this order until the attention rule was shaped for it (diffusion
     * README, "Memory estimate").
     */
    private static List<Node> needed(List<Tensor> outputs) {
        List<Node> graphOrder = inGraphOrder(outputs);
        Map<Node, Integer> position = new HashMap<>();
        List<Node> order = new ArrayList<>();
        for (Node n : graphOrder) {
            if (n.opType().equals("Constant")) {
                order.add(n);
            } else {
                position.put(n, position.size());
            }
        }
        Map<Node, List<Node>> producers = new HashMap<>();
        position.keySet().forEach(n -> producers.put(n, producers(n, position)));
        Set<Node> read = new HashSet<>();
        producers.values().forEach(read::addAll);
        Deque<Visit> stack = new ArrayDeque<>();
        for (Node n : graphOrder) {
            if (position.containsKey(n) && !read.contains(n)) {
                stack.push(new Visit(n, false));
            }
        }
        Set<Node> visited = new HashSet<>();
        while (!stack.isEmpty()) {
            Visit v = stack.pop();
            if (v.leaving()) {
                order.add(v.node());
            } else if (visited.add(v.node())) {
                stack.push(new Visit(v.node(), true));
                producers.get(v.node()).stream().sorted(Comparator.comparing(position::get))
                        .forEach(p -> stack.push(new Visit(p, false)));
            }
        }
        return order;
    }

    /** A step of the depth-first search: entering a node, or leaving it once its inputs are done. */
    private record Visit(Node node, boolean leaving) {
    }

    /** The nodes among {@code among} that compute an input of {@code node}. */
    private static List<Node> producers(Node node, Map<Node, Integer> among) {
        return node.inputs().stream().map(Tensor::producer).filter(among::containsKey).distinct().toList();
    }

    /** The nodes the outputs depend on, in graph order. */
    private static List<Node> inGraphOrder(List<Tensor> outputs) {
        if (outputs.isEmpty()) {
            return List.of();
        }
        List<Node> all = outputs.get(0).graph().nodes();
        Set<Tensor> wanted = new HashSet<>(outputs);
        List<Node> order = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Node n = all.get(i);
            if (n.outputs().stream().anyMatch(wanted::contains)) {
                wanted.addAll(n.inputs());
                order.add(n);
            }
        }
        Collections.reverse(order);
        return order;
    }
}
