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
 * A model's weights for every session that reads them, each made an {@code OrtValue} once, on first use. As a
 * session's initializers ({@link #values}) they are values over the host buffers themselves: ONNX Runtime uses them in
 * place on the CPU, and on a GPU copies them to the device for each session (it reads external initializers on the
 * host while it builds a session: given device memory, 1.29 crashed there, 2026-12-06). As inputs bound to a run
 * ({@link #bind}) they are device copies, uploaded once, so a graph that takes weights as inputs reads them in place
 * on a GPU too. Close it after the sessions and runs that use it.
 */
public final class SharedWeights implements AutoCloseable {
    private final Function<String, TensorData> source;
    private final Device device;
    private final OrtCApi api;
    private final Map<String, Value> values = new LinkedHashMap<>();
    private boolean closed;

    /**
     * A weight: its host data (kept reachable: the host value reads it), the value over it, and on a GPU the device
     * copy's memory and value once a run binds it.
     */
    private static final class Value {
        final TensorData host;
        final MemorySegment hostValue;
        MemorySegment deviceMemory;
        MemorySegment deviceValue;

        Value(TensorData host, MemorySegment hostValue) {
            this.host = host;
            this.hostValue = hostValue;
        }
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

    /** Bytes of the weights made so far. */
    public synchronized long bytes() {
        return values.values().stream().mapToLong(v -> v.host.byteSize()).sum();
    }

    /**
     * The host values of {@code weights} (made where missing), in order: a session's external initializers.
     *
     * @throws IllegalArgumentException when the source lacks a weight or has it with another type or shape
     */
    synchronized List<MemorySegment> values(List<Tensor> weights) {
        List<MemorySegment> result = new ArrayList<>();
        for (Tensor w : weights) {
            result.add(value(w).hostValue);
        }
        return result;
    }

    /**
     * Binds {@code weights}, inputs of the binding's graph, to their values on the device (made where missing, uploaded
     * once on a GPU), so that a session whose graph takes weights as inputs reads them in place; keep this open until
     * the run ends.
     */
    public synchronized void bind(IoBinding binding, List<Tensor> weights) {
        for (Tensor w : weights) {
            Value v = value(w);
            binding.input(w.name(), device.kind() == Device.Kind.CPU ? v.hostValue : uploaded(v).deviceValue);
        }
    }

    /**
     * Copies each of {@code weights} into the device tensor of the same name in {@code targets} (on a GPU from its
     * device copy, uploaded once): for a session that must read its weights at fixed addresses, a CUDA graph's.
     */
    public synchronized void copyTo(Map<String, DeviceTensor> targets, List<Tensor> weights) {
        for (Tensor w : weights) {
            Value v = value(w);
            DeviceTensor target = targets.get(w.name());
            if (target == null || target.byteSize() != v.host.byteSize() || !target.device().equals(device)) {
                throw new IllegalArgumentException("no device tensor for " + w + " among " + targets.keySet());
            }
            MemorySegment from = device.kind() == Device.Kind.CPU
                    ? MemorySegment.ofBuffer(v.host.data().duplicate().rewind()) : uploaded(v).deviceMemory;
            api.copy(device, from, target.data(), target.byteSize());
        }
    }

    /** {@code v} with its device copy, made on first use. */
    private Value uploaded(Value v) {
        if (v.deviceValue == null) {
            long n = v.host.byteSize();
            MemorySegment memory = api.malloc(device, n);
            try {
                api.copy(device, MemorySegment.ofBuffer(v.host.data().duplicate().rewind()), memory, n);
                v.deviceValue = api.wrap(device, memory, v.host.dtype(), v.host.shape());
                v.deviceMemory = memory;
            } catch (RuntimeException e) {
                api.free(memory);
                throw e;
            }
        }
        return v;
    }

    private Value value(Tensor w) {
        if (closed) {
            throw new IllegalStateException("these shared weights are closed");
        }
        Value v = values.get(w.name());
        if (v == null) {
            TensorData host = Session.checked("weight", w, source.apply(w.name()));
            v = new Value(host, api.wrap(Device.CPU, MemorySegment.ofBuffer(host.data().duplicate().rewind()),
                    host.dtype(), host.shape()));
            values.put(w.name(), v);
        } else {
            Session.checked("weight", w, v.host);
        }
        return v;
    }

    @Override
    public synchronized void close() {
        for (Value v : values.values()) {
            api.releaseValue(v.hostValue);
            if (v.deviceValue != null) {
                api.releaseValue(v.deviceValue);
                api.free(v.deviceMemory);
            }
        }
        values.clear();
        closed = true;
    }
}
