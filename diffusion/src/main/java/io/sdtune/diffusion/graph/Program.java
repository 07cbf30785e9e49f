package io.sdtune.diffusion.graph;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A computation ready to compile: named inputs fed at every run and named outputs. Every other leaf
 * the outputs depend on must be a weight, bound once when the session is created.
 */
public record Program(Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
    public Program {
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            if (!e.getValue().isLeaf() || !e.getValue().name().equals(e.getKey())) {
                throw new IllegalArgumentException("program input " + e.getKey() + " must be a leaf of that name");
            }
        }
        for (String name : outputs.keySet()) {
            if (inputs.containsKey(name)) {
                throw new IllegalArgumentException("program output " + name + " has the name of an input");
            }
        }
        inputs = new LinkedHashMap<>(inputs);
        outputs = new LinkedHashMap<>(outputs);
    }
}
