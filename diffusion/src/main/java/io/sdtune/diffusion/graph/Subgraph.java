package io.sdtune.diffusion.graph;

import java.util.List;

/**
 * A graph-valued attribute (the body of an ONNX {@code Loop}): a graph plus its formal inputs and
 * outputs in order. Tensors of enclosing graphs that the body uses are captured by name.
 */
public record Subgraph(Graph graph, List<Tensor> inputs, List<Tensor> outputs) {
    public Subgraph {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
