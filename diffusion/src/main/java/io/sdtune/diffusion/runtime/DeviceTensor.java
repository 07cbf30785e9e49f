package io.sdtune.diffusion.runtime;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import java.lang.foreign.MemorySegment;

/**
 * A tensor in a session's device memory (host memory when the session runs on the CPU): an ONNX Runtime
 * {@code OrtValue} that runs read and write where it is, so that state such as a model's parameters stays on the
 * GPU from one run to the next. Made by {@link Session#allocate} or returned by {@link IoBinding#run}; closing it
 * frees its memory.
 */
public final class DeviceTensor implements AutoCloseable {
    private final OrtCApi api;
    private final Device device;
    private final DType dtype;
    private final Shape shape;
    private MemorySegment value;

    DeviceTensor(OrtCApi api, Device device, DType dtype, Shape shape, MemorySegment value) {
        this.api = api;
        this.device = device;
        this.dtype = dtype;
        this.shape = shape;
        this.value = value;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    public Device device() {
        return device;
    }

    public long byteSize() {
        return shape.size() * dtype.byteSize();
    }

    /** Overwrites this tensor with {@code host}, which must have its type and shape. */
    public void copyFrom(TensorData host) {
        if (host.dtype() != dtype || !host.shape().equals(shape)) {
            throw new IllegalArgumentException("cannot copy " + host.dtype() + host.shape() + " into " + this);
        }
        api.copy(device, MemorySegment.ofBuffer(host.data().duplicate().rewind()), data(), byteSize());
    }

    /** Overwrites this tensor with {@code other}, of its type and shape, on the same device. */
    public void copyFrom(DeviceTensor other) {
        if (other.dtype != dtype || !other.shape.equals(shape) || !other.device.equals(device)) {
            throw new IllegalArgumentException("cannot copy " + other + " into " + this);
        }
        api.copy(device, other.data(), data(), byteSize());
    }

    /** A copy in host memory. */
    public TensorData toHost() {
        TensorData host = TensorData.allocate(dtype, shape);
        api.copy(device, data(), MemorySegment.ofBuffer(host.data().duplicate().rewind()), byteSize());
        return host;
    }

    MemorySegment value() {
        if (value == null) {
            throw new IllegalStateException(this + " is closed");
        }
        return value;
    }

    /** The tensor's memory (on a GPU, a device address: for copies, never to be read from Java). */
    MemorySegment data() {
        return api.data(value(), byteSize());
    }

    @Override
    public void close() {
        if (value != null) {
            api.releaseValue(value);
            value = null;
        }
    }

    @Override
    public String toString() {
        return dtype + "" + shape + " on " + device;
    }
}
