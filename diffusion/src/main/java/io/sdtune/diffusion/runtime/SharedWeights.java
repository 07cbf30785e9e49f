package io.sdtune.diffusion.runtime;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One copy of a model's weights on a device for every session that reads them: each weight is made an
 * {@code OrtValue} once, on first use (over the host buffer itself on the CPU; uploaded once to a GPU), and handed
 * to each session as an external initializer, which ONNX Runtime uses in place. A pipeline that keeps a session per
 * image size and batch so holds its weights once, not once per session. Close it after the sessions that use it.
 */
public final class SharedWeights implements AutoCloseable {
    private final Function<String, TensorData> source;
    private final Device device;
    private final OrtCApi api;
    private final Map<String, Value> values = new LinkedHashMap<>();
    private boolean closed;

    /** A weight's value: its host data (kept reachable: on the CPU the value reads it), device copy and OrtValue. */
    private record Value(TensorData host, MemorySegment deviceMemory, MemorySegment ortValue) {
    }

    /** Weights read from {@code source} by name, for sessions on {@code device}. */
    public SharedWeights(Function<String, TensorData> source, Device device) {
        this.source = source;
        this.device = device;
        this.api = OrtCApi.get();
    }

    public Device device() {
        return device;
    }

    /** Weights made so far. */
    public synchronized int size() {
        return values.size();
    }

    /** Bytes of the weights made so far, on the device. */
    public synchronized long bytes() {
        return values.values().stream().mapToLong(v -> bytes(v.host())).sum();
    }

    /**
     * The values of {@code weights} (made where missing), in order.
     *
     * @throws IllegalArgumentException when the source lacks a weight or has it with another type or shape
     */
    synchronized List<MemorySegment> values(List<Tensor> weights) {
        if (closed) {
            throw new IllegalStateException("these shared weights are closed");
        }
        List<MemorySegment> result = new ArrayList<>();
        for (Tensor w : weights) {
            Value v = values.get(w.name());
            if (v == null) {
                v = make(Session.checked("weight", w, source.apply(w.name())));
                values.put(w.name(), v);
            } else {
                Session.checked("weight", w, v.host());
            }
            result.add(v.ortValue());
        }
        return result;
    }

    /**
     * Binds the values of {@code weights}, inputs of the binding's graph (made where missing), so that a session
     * whose graph takes some weights as inputs reads them from here, in place; keep this open until the run ends.
     */
    public void bind(IoBinding binding, List<Tensor> weights) {
        List<MemorySegment> made = values(weights);
        for (int i = 0; i < weights.size(); i++) {
            binding.input(weights.get(i).name(), made.get(i));
        }
    }

    private Value make(TensorData host) {
        MemorySegment data = MemorySegment.ofBuffer(host.data().duplicate().rewind());
        if (device.kind() == Device.Kind.CPU) {
            return new Value(host, null, api.wrap(device, data, host.dtype(), host.shape()));
        }
        MemorySegment memory = api.malloc(device, bytes(host));
        try {
            api.copy(device, data, memory, bytes(host));
            return new Value(host, memory, api.wrap(device, memory, host.dtype(), host.shape()));
        } catch (RuntimeException e) {
            api.free(memory);
            throw e;
        }
    }

    private static long bytes(TensorData t) {
        return t.shape().size() * t.dtype().byteSize();
    }

    @Override
    public synchronized void close() {
        for (Value v : values.values()) {
            api.releaseValue(v.ortValue());
            if (v.deviceMemory() != null) {
                api.free(v.deviceMemory());
            }
        }
        values.clear();
        closed = true;
    }
}
