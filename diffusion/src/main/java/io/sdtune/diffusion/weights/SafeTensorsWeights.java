package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Weights read from a safetensors file, optionally under other names: a diffusers component file is
 * read as it is; a single-file checkpoint is read through a key map (diffusers key to stored key).
 */
public final class SafeTensorsWeights implements WeightSource {
    private final SafeTensors file;
    private final String origin;
    private final UnaryOperator<String> storedKey;
    private final Set<String> keys;

    private SafeTensorsWeights(SafeTensors file, String origin, UnaryOperator<String> storedKey, Set<String> keys) {
        this.file = file;
        this.origin = origin;
        this.storedKey = storedKey;
        this.keys = keys;
    }

    /** Every tensor of {@code path} under its own name. */
    public static SafeTensorsWeights open(Path path) {
        SafeTensors file = openFile(path);
        return new SafeTensorsWeights(file, path.toString(), UnaryOperator.identity(), file.keys());
    }

    /**
     * These tensors under {@code prefix} followed by their names, e.g. a CLIP text model saved by transformers 5
     * ({@code final_layer_norm.bias}) read under transformers 4's names ({@code text_model.final_layer_norm.bias}).
     * The view shares this source's file: closing either closes both.
     */
    public SafeTensorsWeights withPrefix(String prefix) {
        Set<String> prefixed = keys.stream().map(k -> prefix + k).collect(Collectors.toSet());
        return new SafeTensorsWeights(file, origin, k -> storedKey.apply(k.substring(prefix.length())), prefixed);
    }

    /**
     * The tensors of {@code file} that {@code storedKey} names, under the names in {@code wanted} (the
     * model's keys); a wanted key whose stored key is absent is left out, so loading reports it.
     */
    public static SafeTensorsWeights mapped(SafeTensors file, String origin, Set<String> wanted, UnaryOperator<String> storedKey) {
        Set<String> present = wanted.stream().filter(k -> file.keys().contains(storedKey.apply(k))).collect(Collectors.toSet());
        return new SafeTensorsWeights(file, origin, storedKey, present);
    }

    static SafeTensors openFile(Path path) {
        try {
            return SafeTensors.open(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public Set<String> keys() {
        return keys;
    }

    @Override
    public TensorData get(String key) {
        try {
            return file.get(storedKey.apply(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
