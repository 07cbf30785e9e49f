package io.sdtune.diffusion.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Random;

/**
 * A concrete tensor in host memory: a direct, native-order buffer plus its type and shape. Used for
 * constants inside graphs, for weights bound to sessions and for the values fed to and read from runs.
 */
public record TensorData(DType dtype, Shape shape, ByteBuffer data) {

    public TensorData {
        long expected = shape.size() * dtype.byteSize();
        if (data.capacity() != expected) {
            throw new IllegalArgumentException("buffer of " + data.capacity() + " bytes for " + dtype + shape
                    + " (expected " + expected + ")");
        }
        if (!data.isDirect() || data.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("tensor data must be a direct native-order buffer");
        }
    }

    public static TensorData allocate(DType dtype, Shape shape) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(shape.size() * dtype.byteSize()));
        return new TensorData(dtype, shape, b.order(ByteOrder.nativeOrder()));
    }

    /** Floating-point data of any float dtype, converted from doubles (rounded to nearest). */
    public static TensorData of(DType dtype, Shape shape, double... values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(values.length + " values for shape " + shape);
        }
        TensorData t = allocate(dtype, shape);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }

    public static TensorData of(float[] values, long... dims) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return of(DType.FLOAT32, Shape.of(dims), d);
    }

    public static TensorData ofLongs(long[] values, long... dims) {
        TensorData t = allocate(DType.INT64, Shape.of(dims));
        if (values.length != t.shape.size()) {
            throw new IllegalArgumentException(values.length + " values for shape " + t.shape);
        }
        t.data.asLongBuffer().put(values);
        return t;
    }

    public static TensorData scalar(DType dtype, double value) {
        return dtype == DType.INT64 ? ofLongs(new long[] {(long) value}) : of(dtype, Shape.SCALAR, value);
    }

    /** Standard-normal values times {@code scale}, from a seeded generator. */
    public static TensorData randn(DType dtype, Shape shape, double scale, Random random) {
        TensorData t = allocate(dtype, shape);
        for (int i = 0; i < shape.size(); i++) {
            t.set(i, random.nextGaussian() * scale);
        }
        return t;
    }

    public long size() {
        return shape.size();
    }

    /** Bytes of its values. */
    public long byteSize() {
        return shape.size() * dtype.byteSize();
    }

    /** Element {@code i} (flat, row-major) as a double, for float, integer and bool types alike. */
    public double get(long i) {
        int at = Math.toIntExact(i * dtype.byteSize());
        return switch (dtype) {
            case FLOAT32 -> data.getFloat(at);
            case FLOAT64 -> data.getDouble(at);
            case FLOAT16 -> Float.float16ToFloat(data.getShort(at));
            case BFLOAT16 -> HalfFloat.bf16ToFloat(data.getShort(at));
            case INT64 -> data.getLong(at);
            case INT32 -> data.getInt(at);
            case UINT8 -> Byte.toUnsignedInt(data.get(at));
            case BOOL -> data.get(at);
        };
    }

    public void set(long i, double value) {
        int at = Math.toIntExact(i * dtype.byteSize());
        switch (dtype) {
            case FLOAT32 -> data.putFloat(at, (float) value);
            case FLOAT64 -> data.putDouble(at, value);
            case FLOAT16 -> data.putShort(at, Float.floatToFloat16((float) value));
            case BFLOAT16 -> data.putShort(at, HalfFloat.floatToBf16((float) value));
            case INT64 -> data.putLong(at, (long) value);
            case INT32 -> data.putInt(at, (int) value);
            case UINT8 -> data.put(at, (byte) (int) value);
            case BOOL -> data.put(at, (byte) (value != 0 ? 1 : 0));
        }
    }

    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(size())];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(size())];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) get(i);
        }
        return out;
    }

    /** A deep copy with its own buffer. */
    /** The {@code index}-th entry along the first axis, sharing this buffer (as {@code t[index]} in NumPy). */
    public TensorData select(long index) {
        if (shape.rank() == 0 || index < 0 || index >= shape.dim(0)) {
            throw new IndexOutOfBoundsException("entry " + index + " of " + dtype + shape);
        }
        Shape entry = shape.slice(1, shape.rank());
        long bytes = entry.size() * dtype.byteSize();
        ByteBuffer view = data.duplicate().position(Math.toIntExact(index * bytes))
                .limit(Math.toIntExact((index + 1) * bytes));
        return new TensorData(dtype, entry, view.slice().order(ByteOrder.nativeOrder()));
    }

    public TensorData copy() {
        TensorData t = allocate(dtype, shape);
        t.data.put(data.duplicate().rewind()).rewind();
        return t;
    }

    public TensorData to(DType target) {
        TensorData t = allocate(target, shape);
        if (dtype == DType.FLOAT32 && (target == DType.FLOAT16 || target == DType.BFLOAT16)) {
            // The common case (float32 weights run in half precision) in bulk: a UNet has 860M values.
            FloatBuffer from = data.duplicate().order(data.order()).rewind().asFloatBuffer();
            ShortBuffer to = t.data.asShortBuffer();
            boolean fp16 = target == DType.FLOAT16;
            while (from.hasRemaining()) {
                float f = from.get();
                to.put(fp16 ? Float.floatToFloat16(f) : HalfFloat.floatToBf16(f));
            }
            return t;
        }
        for (long i = 0; i < size(); i++) {
            t.set(i, get(i));
        }
        return t;
    }

    @Override
    public String toString() {
        return "TensorData[" + dtype.name().toLowerCase() + shape + "]";
    }
}
