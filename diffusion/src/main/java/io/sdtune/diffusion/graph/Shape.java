package io.sdtune.diffusion.graph;

import java.util.Arrays;

/** A static tensor shape. Immutable; negative axis arguments count from the end, as in NumPy. */
public final class Shape {
    public static final Shape SCALAR = new Shape();

    private final long[] dims;

    private Shape(long... dims) {
        this.dims = dims;
    }

    public static Shape of(long... dims) {
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
        }
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int axis) {
        return dims[axis(axis)];
    }

    public long[] dims() {
        return dims.clone();
    }

    public long size() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Resolves a possibly negative axis against this rank; fails on an out-of-range axis. */
    public int axis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + this);
        }
        return a;
    }

    public Shape with(int axis, long dim) {
        long[] d = dims.clone();
        d[axis(axis)] = dim;
        return new Shape(d);
    }

    /** Dimensions {@code [from, to)} as a shape. */
    public Shape slice(int from, int to) {
        return of(Arrays.copyOfRange(dims, from, to));
    }

    public Shape concat(Shape other) {
        long[] d = Arrays.copyOf(dims, dims.length + other.dims.length);
        System.arraycopy(other.dims, 0, d, dims.length, other.dims.length);
        return of(d);
    }

    /** NumPy broadcasting of two shapes, or null when they are incompatible. */
    public static Shape broadcast(Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.rank() ? 1 : a.dims[i - (rank - a.rank())];
            long db = i < rank - b.rank() ? 1 : b.dims[i - (rank - b.rank())];
            if (da != db && da != 1 && db != 1) {
                return null;
            }
            out[i] = da == 1 ? db : da;
        }
        return of(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
