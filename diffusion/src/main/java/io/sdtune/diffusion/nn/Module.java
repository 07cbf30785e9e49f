package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A building block of a model, as a PyTorch {@code nn.Module}: it declares its parameters when
 * constructed and builds its computation into the graph when called. A module's path is its parent's
 * path plus its attribute name, so a parameter's graph name is exactly its state-dict key
 * ({@code down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight}). A module registers with its
 * parent as PyTorch's attribute assignment does, so {@link #namedModules} lists the model's layers without building
 * its computation.
 */
public abstract class Module {
    private final Graph graph;
    private final DType dtype;
    private final String path;
    private final Lora lora;
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** A root module: its parameters are named {@code prefix.<key>}, or just {@code <key>} for an empty prefix. */
    protected Module(Graph graph, DType dtype, String prefix) {
        this(graph, dtype, prefix, null);
    }

    /** A root module whose matching linear layers carry LoRA branches ({@code lora} may be null). */
    protected Module(Graph graph, DType dtype, String prefix, Lora lora) {
        this.graph = graph;
        this.dtype = dtype;
        this.path = prefix;
        this.lora = lora;
    }

    /** A child registered under {@code name} (dotted names such as {@code to_out.0} are allowed). */
    protected Module(Module parent, String name) {
        this(parent.graph, parent.dtype, parent.child(name), parent.lora);
        if (parent.children.putIfAbsent(name, this) != null) {
            throw new IllegalStateException(parent.path + " has two children named " + name);
        }
    }

    /** The model's LoRA configuration, or null. */
    protected final Lora lora() {
        return lora;
    }

    public Graph graph() {
        return graph;
    }

    public DType dtype() {
        return dtype;
    }

    /** The module's path in the model, as in the state dict. */
    public String path() {
        return path;
    }

    /** This module and every module under it by path, each parent before its children: PyTorch's {@code named_modules}. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> modules = new LinkedHashMap<>();
        collect(modules);
        return modules;
    }

    private void collect(Map<String, Module> modules) {
        modules.put(path, this);
        children.values().forEach(c -> c.collect(modules));
    }

    protected final String child(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** Declares the parameter {@code <path>.<name>} in this module's dtype. */
    protected final Tensor parameter(String name, long... shape) {
        return graph.weight(child(name), dtype, Shape.of(shape));
    }

    /** Builds under this module's path, so shape errors and checkpoint policies name it. */
    protected final Graph.Scope enter() {
        return graph.scopeAt(path);
    }
}
