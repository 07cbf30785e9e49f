package io.sdtune.diffusion.runtime;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run of a {@link Session} with its inputs and outputs bound where they live (ONNX Runtime's I/O binding): device
 * tensors are read in place, host buffers are read or written in place (ONNX Runtime copies them to and from the
 * device), and outputs may be left on the device for the next run. Bind every input and output, then
 * {@link #run}; a run empties the binding, so that it holds no memory between runs.
 */
public final class IoBinding implements AutoCloseable {
    private final Session session;
    private final OrtCApi api;
    private final MemorySegment sessionHandle;
    private final MemorySegment binding;
    private final MemorySegment deviceMemory;
    /** The runs' options, or {@code NULL}. */
    private final MemorySegment runOptions;
    /** Outputs in the order bound: ONNX Runtime returns their values in that order. */
    private final List<BoundOutput> outputs = new ArrayList<>();
    /** Values made over host buffers for this run, and the buffers, kept reachable until it ends. */
    private final List<MemorySegment> hostValues = new ArrayList<>();
    private final List<TensorData> hostBuffers = new ArrayList<>();

    IoBinding(Session session, OrtCApi api, MemorySegment sessionHandle, MemorySegment deviceMemory,
            Map<String, String> runConfig) {
        this.session = session;
        this.api = api;
        this.sessionHandle = sessionHandle;
        this.deviceMemory = deviceMemory;
        this.runOptions = api.createRunOptions(runConfig);
        try {
            this.binding = api.createIoBinding(sessionHandle);
        } catch (RuntimeException e) {
            api.releaseRunOptions(runOptions);
            throw e;
        }
    }

    public IoBinding input(String name, DeviceTensor value) {
        api.bindInput(binding, name, checked(session.program().inputs(), "input", name, value).value());
        return this;
    }

    /** Binds an {@code OrtValue} the caller checked against the graph's input {@code name} and keeps alive. */
    IoBinding input(String name, MemorySegment value) {
        declared(session.program().inputs(), "input", name);
        api.bindInput(binding, name, value);
        return this;
    }

    public IoBinding input(String name, TensorData value) {
        api.bindInput(binding, name, wrap("input", session.program().inputs(), name, value));
        return this;
    }

    /** Binds an output to a host buffer that the run writes. */
    public IoBinding output(String name, TensorData value) {
        api.bindOutput(binding, name, wrap("output", session.program().outputs(), name, value));
        outputs.add(new BoundOutput(name, false));
        return this;
    }

    /**
     * Binds an output to a device tensor that the run writes in place: a loop that runs a graph many times then
     * reads and writes the same device memory each time (what CUDA graphs replay).
     */
    public IoBinding output(String name, DeviceTensor value) {
        api.bindOutput(binding, name, checked(session.program().outputs(), "output", name, value).value());
        outputs.add(new BoundOutput(name, false));
        return this;
    }

    /** Leaves an output on the session's device: {@link #run} returns it as a {@link DeviceTensor}. */
    public IoBinding outputOnDevice(String name) {
        declared(session.program().outputs(), "output", name);
        api.bindOutputToDevice(binding, name, deviceMemory);
        outputs.add(new BoundOutput(name, true));
        return this;
    }

    /**
     * Runs the session once on what is bound and empties the binding.
     *
     * @return the outputs bound to the device, by name; the caller closes them
     * @throws AllocationFailedException when ONNX Runtime cannot allocate what the run needs
     */
    public Map<String, DeviceTensor> run() {
        try {
            api.run(sessionHandle, runOptions, binding);
            MemorySegment[] values = api.boundOutputs(binding);
            Map<String, DeviceTensor> produced = new LinkedHashMap<>();
            for (int i = 0; i < values.length; i++) {
                BoundOutput out = outputs.get(i);
                if (out.onDevice()) {
                    Tensor t = session.program().outputs().get(out.name());
                    produced.put(out.name(), new DeviceTensor(api, session.device(), t.dtype(), t.shape(), values[i]));
                } else {
                    api.releaseValue(values[i]);
                }
            }
            return produced;
        } finally {
            clear();
        }
    }

    /** Unbinds everything, releasing what the binding held. */
    public void clear() {
        api.clearBindings(binding);
        hostValues.forEach(api::releaseValue);
        hostValues.clear();
        hostBuffers.clear();
        outputs.clear();
    }

    private MemorySegment wrap(String role, Map<String, Tensor> declared, String name, TensorData data) {
        Tensor expected = declared(declared, role, name);
        Session.checked(role, expected, data);
        MemorySegment value = api.wrapHost(MemorySegment.ofBuffer(data.data().duplicate().rewind()), data.dtype(),
                data.shape());
        hostValues.add(value);
        hostBuffers.add(data);
        return value;
    }

    /** {@code value}, when it has the declared type and shape and lives on the session's device. */
    private DeviceTensor checked(Map<String, Tensor> declared, String role, String name, DeviceTensor value) {
        Tensor expected = declared(declared, role, name);
        if (value.dtype() != expected.dtype() || !value.shape().equals(expected.shape())
                || !value.device().equals(session.device())) {
            throw new IllegalArgumentException(role + " " + name + " is " + value + " but the graph's is "
                    + expected.dtype() + expected.shape() + " on " + session.device());
        }
        return value;
    }

    private static Tensor declared(Map<String, Tensor> declared, String role, String name) {
        Tensor t = declared.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the graph has no " + role + " " + name);
        }
        return t;
    }

    private record BoundOutput(String name, boolean onDevice) {
    }

    @Override
    public void close() {
        clear();
        api.releaseIoBinding(binding);
        api.releaseRunOptions(runOptions);
    }
}
