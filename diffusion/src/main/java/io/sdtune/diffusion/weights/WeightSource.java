package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** A model component's weights by state-dict key, e.g. one safetensors file or a slice of a checkpoint. */
public interface WeightSource extends AutoCloseable {

    /** Where the weights come from, for error messages. */
    String origin();

    Set<String> keys();

    /** The tensor stored under {@code key}, as stored (zero-copy where the source allows). */
    TensorData get(String key);

    /**
     * The tensor in {@code dtype}, converted (copied) only when stored in another type, e.g. a float16
     * checkpoint run in float32.
     *
     * @throws IllegalArgumentException naming the key and the source when the key is absent
     */
    default TensorData get(String key, DType dtype) {
        if (!keys().contains(key)) {
            throw new IllegalArgumentException(origin() + " has no tensor '" + key + "'");
        }
        TensorData t = get(key);
        return t.dtype() == dtype ? t : t.to(dtype);
    }

    /** Every tensor by key, in the source's order, as stored: valid while the source is open. */
    default Map<String, TensorData> all() {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        keys().forEach(k -> tensors.put(k, get(k)));
        return tensors;
    }

    @Override
    void close();

    /** Weights held in memory, e.g. a model's changed by a test or a conversion. */
    static WeightSource of(String origin, Map<String, TensorData> tensors) {
        Map<String, TensorData> held = Map.copyOf(tensors);
        return viewed(origin, held.keySet(), held::get);
    }

    /** The tensors {@code get} gives for {@code keys}, nothing to close. */
    static WeightSource viewed(String origin, Set<String> keys, Function<String, TensorData> get) {
        return new WeightSource() {
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
                return get.apply(key);
            }

            @Override
            public void close() {
            }
        };
    }
}
