package io.sdtune.diffusion.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A symbolic tensor: a value of a {@link Graph} with a static shape and dtype. Every method builds an
 * op in the graph, checks shapes at once and returns the result; nothing is computed until the graph
 * runs. Operator names and semantics follow ONNX (and so NumPy broadcasting); composite functions
 * such as {@link #gelu()} are spelled out in primitive ops, which the backward pass differentiates.
 */
public final class Tensor {
    /** How a tensor comes to have a value. */
    public enum Kind { INPUT, WEIGHT, COMPUTED }

    /** The last axes ONNX Runtime's CUDA {@code BiasSplitGelu} takes. */
    private static final Set<Long> BIAS_SPLIT_GELU_WIDTHS = Set.of(2560L, 5120L, 10240L);

    private final Graph graph;
    private final String name;
    private final DType dtype;
    private final Shape shape;
    private final Node producer;
    private final Kind kind;

    Tensor(Graph graph, String name, DType dtype, Shape shape, Node producer, Kind kind) {
        this.graph = graph;
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.producer = producer;
        this.kind = kind;
    }

    public Graph graph() {
        return graph;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    /** Bytes of its value. */
    public long byteSize() {
        return shape.size() * dtype.byteSize();
    }

    public int rank() {
        return shape.rank();
    }

    /** The node that computes this tensor, or null for inputs and weights. */
    public Node producer() {
        return producer;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isLeaf() {
        return producer == null;
    }

    /** The value of a tensor built by {@link Graph#constant}, or null for any other tensor. */
    public TensorData constantValue() {
        return producer != null && producer.opType().equals("Constant") ? (TensorData) producer.attributes().get("value") : null;
    }

    @Override
    public String toString() {
        return name + ":" + dtype.name().toLowerCase() + shape;
    }

    // ---------------------------------------------------------------- elementwise arithmetic

    public Tensor add(Tensor other) {
        return binary("Add", other);
    }

    public Tensor sub(Tensor other) {
        return binary("Sub", other);
    }

    public Tensor mul(Tensor other) {
        return binary("Mul", other);
    }

    public Tensor div(Tensor other) {
        return binary("Div", other);
    }

    public Tensor pow(Tensor exponent) {
        return binary("Pow", exponent);
    }

    public Tensor add(double c) {
        return add(like(c));
    }

    public Tensor sub(double c) {
        return sub(like(c));
    }

    public Tensor mul(double c) {
        return mul(like(c));
    }

    public Tensor div(double c) {
        return div(like(c));
    }

    public Tensor pow(double c) {
        return pow(like(c));
    }

    /** {@code c - this}. */
    public Tensor rsub(double c) {
        return like(c).sub(this);
    }

    /** Values limited to {@code [min, max]} (ONNX {@code Clip}; not differentiable). */
    public Tensor clip(double min, double max) {
        return graph.op("Clip", List.of(this, like(min), like(max)), Map.of(), dtype, shape);
    }

    /** Elementwise minimum (not differentiable: used on gradients, e.g. to clip them). */
    public Tensor minimum(Tensor other) {
        return binary("Min", other);
    }

    /** Elementwise maximum (not differentiable: used to keep indices in range). */
    public Tensor maximum(Tensor other) {
        return binary("Max", other);
    }

    /** Elementwise absolute value (not differentiable: used on optimizer state). */
    public Tensor abs() {
        return unary("Abs");
    }

    /** Elementwise -1, 0 or 1 (not differentiable: used on optimizer state). */
    public Tensor sign() {
        return unary("Sign");
    }

    public Tensor square() {
        return mul(this);
    }

    public Tensor neg() {
        return unary("Neg");
    }

    public Tensor sqrt() {
        return unary("Sqrt");
    }

    public Tensor exp() {
        return unary("Exp");
    }

    public Tensor log() {
        return unary("Log");
    }

    public Tensor tanh() {
        return unary("Tanh");
    }

    public Tensor sigmoid() {
        return unary("Sigmoid");
    }

    public Tensor erf() {
        return unary("Erf");
    }

    public Tensor sin() {
        return unary("Sin");
    }

    public Tensor cos() {
        return unary("Cos");
    }

    // ---------------------------------------------------------------- activations (composites)

    /** Exact GELU: {@code x * Φ(x) = x/2 * (1 + erf(x/√2))}. */
    public Tensor gelu() {
        return mul(div(Math.sqrt(2)).erf().add(1)).mul(0.5);
    }

    /** GELU with the tanh approximation: {@code x/2 * (1 + tanh(√(2/π) (x + 0.044715 x³)))}. */
    public Tensor geluTanh() {
        Tensor inner = add(pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return mul(inner.tanh().add(1)).mul(0.5);
    }

    /**
     * GEGLU's gating (Shazeer 2020, diffusers' {@code GEGLU}): the last axis split into halves {@code h} and
     * {@code g}, then {@code h · gelu(g)}.
     *
     * <p>In a graph that {@linkplain Graph#useCudaContribOps uses CUDA's contrib ops}, {@code [N, S, D]} of one of the
     * widths Stable Diffusion's feed-forwards have ({@link #BIAS_SPLIT_GELU_WIDTHS}: 2 x 4 x 320, 640 and 1280) goes
     * through one ONNX Runtime {@code BiasSplitGelu}, which reads the projection once and writes its half, where the
     * primitives take a split and five elementwise passes. Its bias is zero: the projection has added its own.
     */
    public Tensor geglu() {
        long d = shape.dim(rank() - 1);
        if (d % 2 != 0) {
            throw error("GEGLU", List.of(this), "an odd last axis (" + d + ") does not split into halves");
        }
        if (graph.cudaContribOps() && rank() == 3 && BIAS_SPLIT_GELU_WIDTHS.contains(d)) {
            Tensor zero = graph.constant(TensorData.of(dtype, Shape.of(d), new double[(int) d]));
            return graph.op("com.microsoft.BiasSplitGelu", List.of(this, zero), Map.of(), dtype,
                    shape.with(2, d / 2));
        }
        List<Tensor> halves = chunk(2, -1);
        return halves.get(0).mul(halves.get(1).gelu());
    }

    /** SiLU (swish): {@code x σ(x)}. */
    public Tensor silu() {
        return mul(sigmoid());
    }

    /** CLIP's {@code quick_gelu}: {@code x σ(1.702 x)}. */
    public Tensor quickGelu() {
        return mul(mul(1.702).sigmoid());
    }

    // ---------------------------------------------------------------- linear algebra

    /** Batched matrix product {@code [..., n, k] @ [..., k, m]} with broadcast batch dimensions. */
    public Tensor matmul(Tensor other) {
        List<Tensor> operands = List.of(this, other);
        requireSameDtype("MatMul", other);
        if (rank() < 2 || other.rank() < 2) {
            throw error("MatMul", operands, "operands must have rank >= 2");
        }
        long k = shape.dim(-1);
        if (k != other.shape.dim(-2)) {
            throw error("MatMul", operands, "inner dimensions differ: " + k + " vs " + other.shape.dim(-2));
        }
        Shape batch = Shape.broadcast(shape.slice(0, rank() - 2), other.shape.slice(0, other.rank() - 2));
        if (batch == null) {
            throw error("MatMul", operands, "batch dimensions do not broadcast");
        }
        Shape out = batch.concat(Shape.of(shape.dim(-2), other.shape.dim(-1)));
        return graph.op("MatMul", operands, Map.of(), dtype, out);
    }

    /** The transpose of the last two axes (PyTorch's {@code mT}). */
    public Tensor mT() {
        int[] perm = identity(rank());
        perm[rank() - 1] = rank() - 2;
        perm[rank() - 2] = rank() - 1;
        return transpose(perm);
    }

    /** {@code x @ weightᵀ + bias} with a PyTorch-layout {@code [out, in]} weight; bias may be null. */
    public Tensor linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || weight.shape.dim(1) != shape.dim(-1)) {
            throw error("Linear", List.of(this, weight), "weight must be [out_features, " + shape.dim(-1) + "]");
        }
        Tensor y = matmul(weight.mT());
        return bias == null ? y : y.add(bias);
    }

    /**
     * 2-D convolution of {@code [N, C, H, W]} with a {@code [O, C, kH, kW]} weight, symmetric zero padding;
     * bias ({@code [O]}) may be null.
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        List<Tensor> operands = bias == null ? List.of(this, weight) : List.of(this, weight, bias);
        requireSameDtype("Conv", weight);
        if (rank() != 4 || weight.rank() != 4) {
            throw error("Conv", operands, "input and weight must have rank 4");
        }
        if (shape.dim(1) != weight.shape.dim(1)) {
            throw error("Conv", operands, "input has " + shape.dim(1) + " channels, weight expects " + weight.shape.dim(1));
        }
        if (bias != null && (bias.rank() != 1 || bias.shape.dim(0) != weight.shape.dim(0))) {
            throw error("Conv", operands, "bias must be [" + weight.shape.dim(0) + "]");
        }
        long h = (shape.dim(2) + 2L * padding - weight.shape.dim(2)) / stride + 1;
        long w = (shape.dim(3) + 2L * padding - weight.shape.dim(3)) / stride + 1;
        if (h < 1 || w < 1) {
            throw error("Conv", operands, "kernel larger than the padded input");
        }
        Map<String, Object> attrs = Map.of(
                "kernel_shape", new long[] {weight.shape.dim(2), weight.shape.dim(3)},
                "strides", new long[] {stride, stride},
                "pads", new long[] {padding, padding, padding, padding});
        return graph.op("Conv", operands, attrs, dtype, Shape.of(shape.dim(0), weight.shape.dim(0), h, w));
    }

    // ---------------------------------------------------------------- normalisation and softmax

    public Tensor softmax(int axis) {
        int a = shape.axis(axis);
        return graph.op("Softmax", List.of(this), Map.of("axis", (long) a), dtype, shape);
    }

    /** Layer norm over the last axis with affine {@code weight} and {@code bias} of that size. */
    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
        List<Tensor> operands = List.of(this, weight, bias);
        Shape last = Shape.of(shape.dim(-1));
        if (!weight.shape.equals(last) || !bias.shape.equals(last)) {
            throw error("LayerNormalization", operands, "weight and bias must be " + last);
        }
        return graph.op("LayerNormalization", operands, Map.of("axis", -1L, "epsilon", eps), dtype, shape);
    }

    /**
     * Group norm of {@code [N, C, ...]} over {@code groups} channel groups (statistics in this dtype),
     * then a per-channel affine {@code weight}, {@code bias} of size {@code C}, then SiLU if {@code silu}.
     *
     * <p>In a graph that {@linkplain Graph#useCudaContribOps uses CUDA's contrib ops}, a feature map {@code [N, C,
     * H, W]} whose groups have an even number of channels goes through one ONNX Runtime {@code GroupNorm}: a kernel
     * that reads the map twice, statistics in float32, SiLU fused, where the primitives below take ten passes or
     * more. It takes channels-last input and float32 {@code weight} and {@code bias}; the transposes around it cancel
     * against those of the channels-last convolutions next to it. Its kernel reads two channels at a time, hence the
     * even groups.
     */
    public Tensor groupNorm(int groups, Tensor weight, Tensor bias, double eps, boolean silu) {
        long c = shape.dim(1);
        if (c % groups != 0) {
            throw error("GroupNorm", List.of(this), c + " channels do not split into " + groups + " groups");
        }
        if (graph.cudaContribOps() && rank() == 4 && (c / groups) % 2 == 0) {
            Shape nhwc = Shape.of(shape.dim(0), shape.dim(2), shape.dim(3), c);
            Map<String, Object> attributes = Map.of("groups", (long) groups, "epsilon", eps,
                    "activation", silu ? 1L : 0L, "channels_last", 1L);
            return graph.op("com.microsoft.GroupNorm", List.of(transpose(0, 2, 3, 1), weight.cast(DType.FLOAT32),
                    bias.cast(DType.FLOAT32)), attributes, dtype, nhwc).transpose(0, 3, 1, 2);
        }
        Tensor g = reshape(shape.dim(0), groups, -1);
        Tensor centered = g.sub(g.mean(true, 2));
        Tensor variance = centered.square().mean(true, 2);
        Tensor normalized = centered.div(variance.add(eps).sqrt()).reshape(shape.dims());
        long[] channelShape = new long[rank()];
        Arrays.fill(channelShape, 1);
        channelShape[1] = c;
        Tensor y = normalized.mul(weight.reshape(channelShape)).add(bias.reshape(channelShape));
        return silu ? y.silu() : y;
    }

    // ---------------------------------------------------------------- shape manipulation

    /** Reshape to {@code dims}; one entry may be -1 and is inferred. */
    public Tensor reshape(long... dims) {
        long[] d = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1 && infer < 0) {
                infer = i;
            } else if (d[i] < 0) {
                throw error("Reshape", List.of(this), "bad target " + Arrays.toString(dims));
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || shape.size() % known != 0) {
                throw error("Reshape", List.of(this), "cannot infer -1 in " + Arrays.toString(dims));
            }
            d[infer] = shape.size() / known;
        }
        Shape target = Shape.of(d);
        if (target.size() != shape.size()) {
            throw error("Reshape", List.of(this), "cannot reshape " + shape.size() + " elements to " + target);
        }
        if (target.equals(shape)) {
            return this;
        }
        return graph.op("Reshape", List.of(this, graph.constantLongs(d)), Map.of(), dtype, target);
    }

    public Tensor reshape(Shape target) {
        return reshape(target.dims());
    }

    public Tensor transpose(int... perm) {
        if (perm.length != rank()) {
            throw error("Transpose", List.of(this), "permutation " + Arrays.toString(perm) + " for rank " + rank());
        }
        long[] out = new long[perm.length];
        boolean[] seen = new boolean[perm.length];
        long[] p = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int a = shape.axis(perm[i]);
            if (seen[a]) {
                throw error("Transpose", List.of(this), "axis repeated in " + Arrays.toString(perm));
            }
            seen[a] = true;
            out[i] = shape.dim(a);
            p[i] = a;
        }
        return graph.op("Transpose", List.of(this), Map.of("perm", p), dtype, Shape.of(out));
    }

    /** Broadcasts to {@code target} (NumPy rules, result exactly {@code target}). */
    public Tensor expand(Shape target) {
        if (!target.equals(Shape.broadcast(shape, target))) {
            throw error("Expand", List.of(this), "cannot broadcast to " + target);
        }
        if (target.equals(shape)) {
            return this;
        }
        return graph.op("Expand", List.of(this, graph.constantLongs(target.dims())), Map.of(), dtype, target);
    }

    /** Elements {@code [start, end)} along {@code axis}. */
    public Tensor slice(int axis, long start, long end) {
        int a = shape.axis(axis);
        if (start < 0 || end > shape.dim(a) || start >= end) {
            throw error("Slice", List.of(this), "range [" + start + ", " + end + ") on axis " + a);
        }
        if (start == 0 && end == shape.dim(a)) {
            return this;
        }
        List<Tensor> in = List.of(this, graph.constantLongs(start), graph.constantLongs(end), graph.constantLongs(a));
        return graph.op("Slice", in, Map.of(), dtype, shape.with(a, end - start));
    }

    /** Consecutive pieces of the given sizes along {@code axis}. */
    public List<Tensor> split(int axis, long... sizes) {
        long total = Arrays.stream(sizes).sum();
        if (total != shape.dim(axis)) {
            throw error("Split", List.of(this), "sizes " + Arrays.toString(sizes) + " do not add up to " + shape.dim(axis));
        }
        List<Tensor> parts = new ArrayList<>();
        long at = 0;
        for (long s : sizes) {
            parts.add(slice(axis, at, at + s));
            at += s;
        }
        return parts;
    }

    /** {@code chunks} equal pieces along {@code axis}, as {@code torch.chunk}. */
    public List<Tensor> chunk(int chunks, int axis) {
        long d = shape.dim(axis);
        if (d % chunks != 0) {
            throw error("Split", List.of(this), d + " does not divide into " + chunks + " chunks");
        }
        long[] sizes = new long[chunks];
        Arrays.fill(sizes, d / chunks);
        return split(axis, sizes);
    }

    public static Tensor concat(int axis, List<Tensor> parts) {
        Tensor first = parts.get(0);
        int a = first.shape.axis(axis);
        long total = 0;
        for (Tensor p : parts) {
            if (p.dtype != first.dtype || p.rank() != first.rank()
                    || !p.shape.with(a, 0).equals(first.shape.with(a, 0))) {
                throw first.error("Concat", parts, "shapes differ outside axis " + a);
            }
            total += p.shape.dim(a);
        }
        return first.graph.op("Concat", parts, Map.of("axis", (long) a), first.dtype, first.shape.with(a, total));
    }

    /** Zero padding: {@code pads} holds all begins then all ends, as ONNX {@code Pad}. */
    public Tensor pad(long... pads) {
        if (pads.length != 2 * rank()) {
            throw error("Pad", List.of(this), "needs " + 2 * rank() + " pad values");
        }
        long[] out = new long[rank()];
        for (int i = 0; i < rank(); i++) {
            out[i] = shape.dim(i) + pads[i] + pads[i + rank()];
        }
        return graph.op("Pad", List.of(this, graph.constantLongs(pads)), Map.of(), dtype, Shape.of(out));
    }

    /** Rows of this table picked by int64 or int32 {@code indices} along {@code axis} (embedding lookup on axis 0). */
    public Tensor gather(Tensor indices, int axis) {
        int a = shape.axis(axis);
        if (indices.dtype != DType.INT64 && indices.dtype != DType.INT32) {
            throw error("Gather", List.of(this, indices), "indices must be int64 or int32");
        }
        Shape out = shape.slice(0, a).concat(indices.shape).concat(shape.slice(a + 1, rank()));
        return graph.op("Gather", List.of(this, indices), Map.of("axis", (long) a), dtype, out);
    }

    /** Nearest-neighbour upsampling by 2 of the last two axes (diffusers' {@code Upsample2D}). */
    public Tensor upsampleNearest2x() {
        long[] d = shape.dims();
        int r = rank();
        long[] spread = Arrays.copyOf(d, r + 2);
        spread[r - 2] = d[r - 2];
        spread[r - 1] = 1;
        spread[r] = d[r - 1];
        spread[r + 1] = 1;
        long[] doubled = spread.clone();
        doubled[r - 1] = 2;
        doubled[r + 1] = 2;
        long[] out = d.clone();
        out[r - 2] *= 2;
        out[r - 1] *= 2;
        return reshape(spread).expand(Shape.of(doubled)).reshape(out);
    }

    // ---------------------------------------------------------------- reductions

    public Tensor sum(boolean keepdims, int... axes) {
        return reduce("ReduceSum", keepdims, axes);
    }

    public Tensor mean(boolean keepdims, int... axes) {
        return reduce("ReduceMean", keepdims, axes);
    }

    /** The largest element along {@code axes} (not differentiable: used on optimizer state). */
    public Tensor max(boolean keepdims, int... axes) {
        return reduce("ReduceMax", keepdims, axes);
    }

    /** The sum of all elements, as a scalar. */
    public Tensor sum() {
        return sum(false, identity(rank()));
    }

    public Tensor mean() {
        return mean(false, identity(rank()));
    }

    // ---------------------------------------------------------------- selection and types

    /** {@code this >= other} elementwise, broadcasting (bool; not differentiable). */
    public Tensor greaterOrEqual(Tensor other) {
        return comparison("GreaterOrEqual", other);
    }

    /** {@code this < other} elementwise, broadcasting (bool; not differentiable). */
    public Tensor less(Tensor other) {
        return comparison("Less", other);
    }

    /** Whether each element is neither infinite nor NaN (bool; not differentiable). */
    public Tensor isFinite() {
        if (!dtype.isFloatingPoint()) {
            throw error("IsInf", List.of(this), "needs a floating-point operand");
        }
        Tensor inf = graph.op("IsInf", List.of(this), Map.of(), DType.BOOL, shape);
        Tensor nan = graph.op("IsNaN", List.of(this), Map.of(), DType.BOOL, shape);
        Tensor either = graph.op("Or", List.of(inf, nan), Map.of(), DType.BOOL, shape);
        return graph.op("Not", List.of(either), Map.of(), DType.BOOL, shape);
    }

    /** {@code cond ? a : b} elementwise, with broadcasting; {@code cond} is bool. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        List<Tensor> operands = List.of(cond, a, b);
        if (cond.dtype != DType.BOOL) {
            throw a.error("Where", operands, "condition must be bool");
        }
        a.requireSameDtype("Where", b);
        Shape s = Shape.broadcast(cond.shape, a.shape);
        s = s == null ? null : Shape.broadcast(s, b.shape);
        if (s == null) {
            throw a.error("Where", operands, "shapes do not broadcast");
        }
        return a.graph.op("Where", operands, Map.of(), a.dtype, s);
    }

    public Tensor cast(DType to) {
        if (to == dtype) {
            return this;
        }
        return graph.op("Cast", List.of(this), Map.of("to", (long) to.onnxCode()), to, shape);
    }

    // ---------------------------------------------------------------- helpers

    private Tensor like(double c) {
        return graph.scalar(c, dtype);
    }

    private Tensor unary(String op) {
        if (!dtype.isFloatingPoint()) {
            throw error(op, List.of(this), "needs a floating-point operand");
        }
        return graph.op(op, List.of(this), Map.of(), dtype, shape);
    }

    private Tensor comparison(String op, Tensor other) {
        requireSameDtype(op, other);
        Shape s = Shape.broadcast(shape, other.shape);
        if (s == null) {
            throw error(op, List.of(this, other), "shapes do not broadcast");
        }
        return graph.op(op, List.of(this, other), Map.of(), DType.BOOL, s);
    }

    private Tensor binary(String op, Tensor other) {
        requireSameDtype(op, other);
        Shape s = Shape.broadcast(shape, other.shape);
        if (s == null) {
            throw error(op, List.of(this, other), "shapes do not broadcast");
        }
        return graph.op(op, List.of(this, other), Map.of(), dtype, s);
    }

    private Tensor reduce(String op, boolean keepdims, int... axes) {
        if (axes.length == 0) {
            return this;
        }
        boolean[] reduced = new boolean[rank()];
        long[] axisList = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = shape.axis(axes[i]);
            reduced[a] = true;
            axisList[i] = a;
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < rank(); i++) {
            if (!reduced[i]) {
                out.add(shape.dim(i));
            } else if (keepdims) {
                out.add(1L);
            }
        }
        Shape s = Shape.of(out.stream().mapToLong(Long::longValue).toArray());
        return graph.op(op, List.of(this, graph.constantLongs(axisList)), Map.of("keepdims", keepdims ? 1L : 0L),
                dtype, s);
    }

    private void requireSameDtype(String op, Tensor other) {
        if (other.dtype != dtype) {
            throw error(op, List.of(this, other), "dtypes differ");
        }
    }

    private ShapeException error(String op, List<Tensor> operands, String problem) {
        return new ShapeException(op, operands, graph.currentScope(), problem);
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }
}
