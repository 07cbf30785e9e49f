package io.sdtune.diffusion.graph;

import java.util.List;
import java.util.stream.Collectors;

/** An op was applied to operands whose shapes or types it cannot take; raised while the graph is built. */
public final class ShapeException extends IllegalArgumentException {
    public ShapeException(String op, List<Tensor> operands, String scope, String problem) {
        super(op + " at " + (scope.isEmpty() ? "<root>" : scope) + ": " + problem + " (operands: "
                + operands.stream().map(t -> t.dtype().name().toLowerCase() + t.shape()).collect(Collectors.joining(", "))
                + ")");
    }
}
