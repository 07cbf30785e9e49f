package io.sdtune.diffusion.autodiff;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Node;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The vector-Jacobian product of every differentiable op, one line of math each.
 *
 * <p>Notation: for a node {@code y = op(a, b, ...)} (single input: {@code x}), a rule maps the
 * gradient {@code dy} of the loss w.r.t. {@code y} to the gradients w.r.t. each input, in input
 * order; null marks an input that is not differentiable (indices, shapes, conditions). A gradient may
 * have the broadcast shape of {@code y}: {@link Gradients} sums it back to the input's shape, so no
 * rule deals with broadcasting.
 */
final class Derivatives {
    private Derivatives() {
    }

    /** The vector-Jacobian product of one op. */
    @FunctionalInterface
    interface Rule {
        List<Tensor> vjp(Node n, Tensor dy);
    }

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    /** Scores that {@link #multiHeadAttention}'s rule computes at once: 2^24, 64 MiB in float32. */
    static final long ATTENTION_SCORES = 1L << 24;

    static final Map<String, Rule> RULES = Map.ofEntries(
            // elementwise arithmetic
            Map.entry("Neg", (n, dy) -> of(dy.neg())),
            Map.entry("Add", (n, dy) -> of(dy, dy)),
            Map.entry("Sub", (n, dy) -> of(dy, dy.neg())),
            Map.entry("Mul", (n, dy) -> of(dy.mul(b(n)), dy.mul(a(n)))),
            Map.entry("Div", (n, dy) -> of(dy.div(b(n)), dy.mul(y(n)).div(b(n)).neg())),
            Map.entry("Pow", (n, dy) -> of(dy.mul(b(n)).mul(a(n).pow(b(n).sub(1))), dy.mul(y(n)).mul(a(n).log()))),
            Map.entry("Sqrt", (n, dy) -> of(dy.div(y(n).mul(2)))),
            Map.entry("Exp", (n, dy) -> of(dy.mul(y(n)))),
            Map.entry("Log", (n, dy) -> of(dy.div(x(n)))),
            Map.entry("Tanh", (n, dy) -> of(dy.mul(y(n).square().rsub(1)))),
            Map.entry("Sigmoid", (n, dy) -> of(dy.mul(y(n)).mul(y(n).rsub(1)))),
            Map.entry("Erf", (n, dy) -> of(dy.mul(x(n).square().neg().exp()).mul(TWO_OVER_SQRT_PI))),
            Map.entry("Sin", (n, dy) -> of(dy.mul(x(n).cos()))),
            Map.entry("Cos", (n, dy) -> of(dy.mul(x(n).sin()).neg())),
            // y = clamp(x, lo, hi) ⇒ dx = dy where lo ≤ x ≤ hi, else 0 (as torch.clamp)
            Map.entry("Clip", (n, dy) -> of(Tensor.where(x(n).less(b(n)), zero(dy),
                    Tensor.where(n.input(2).less(x(n)), zero(dy), dy)), null, null)),
            // linear algebra: dA = dY Bᵀ, dB = Aᵀ dY
            Map.entry("MatMul", (n, dy) -> of(dy.matmul(b(n).mT()), a(n).mT().matmul(dy))),
            Map.entry("Conv", (n, dy) -> of(convInputGrad(n, dy), convWeightGrad(n, dy), dy.sum(false, 0, 2, 3))),
            // normalisation: y = softmax(x) ⇒ dx = y ⊙ (dy − Σ dy ⊙ y)
            Map.entry("Softmax", (n, dy) -> of(y(n).mul(dy.sub(dy.mul(y(n)).sum(true, (int) n.attrLong("axis")))))),
            Map.entry("LayerNormalization", Derivatives::layerNorm),
            Map.entry("com.microsoft.MultiHeadAttention", Derivatives::multiHeadAttention),
            // shape and data movement
            Map.entry("Reshape", (n, dy) -> of(dy.reshape(x(n).shape()), null)),
            Map.entry("Transpose", (n, dy) -> of(dy.transpose(inverse(n.attrLongs("perm"))))),
            Map.entry("Expand", (n, dy) -> of(dy, null)),
            Map.entry("Slice", (n, dy) -> of(dy.pad(slicePadding(n)), null, null, null)),
            Map.entry("Pad", (n, dy) -> of(unpad(n, dy), null)),
            Map.entry("Concat", (n, dy) -> dy.split((int) n.attrLong("axis"), sizes(n))),
            Map.entry("Gather", (n, dy) -> of(scatterAdd(a(n), b(n), dy, n.attrLong("axis")), null)),
            Map.entry("Where", (n, dy) -> of(null, Tensor.where(a(n), dy, zero(dy)), Tensor.where(a(n), zero(dy), dy))),
            Map.entry("Cast", (n, dy) -> of(x(n).dtype().isFloatingPoint() ? dy.cast(x(n).dtype()) : null)),
            // reductions: the gradient is spread back over the reduced axes
            Map.entry("ReduceSum", (n, dy) -> of(dy.reshape(keptShape(n)).expand(x(n).shape()), null)),
            Map.entry("ReduceMean", (n, dy) -> of(dy.reshape(keptShape(n)).expand(x(n).shape())
                    .div((double) x(n).shape().size() / y(n).shape().size()), null)));


    // ------------------------------------------------------------------ rules longer than a line

    /**
     * Layer norm over the last axis, {@code y = x̂ γ + β} with {@code x̂ = (x − μ) σ⁻¹}:
     * {@code dx = σ⁻¹ (dx̂ − mean(dx̂) − x̂ mean(dx̂ x̂))}, {@code dx̂ = dy γ}, {@code dγ = Σ dy x̂}, {@code dβ = Σ dy}.
     */
    private static List<Tensor> layerNorm(Node n, Tensor dy) {
        Tensor x = x(n);
        Tensor centered = x.sub(x.mean(true, -1));
        Tensor invStd = centered.square().mean(true, -1).add(n.attrDouble("epsilon")).pow(-0.5);
        Tensor xHat = centered.mul(invStd);
        Tensor dxHat = dy.mul(n.input(1));
        Tensor dx = invStd.mul(dxHat.sub(dxHat.mean(true, -1)).sub(xHat.mul(dxHat.mul(xHat).mean(true, -1))));
        return of(dx, dy.mul(xHat), dy);
    }

    /**
     * Attention that keeps no scores (ONNX Runtime's {@code MultiHeadAttention}: {@code q [B, N, H·d]},
     * {@code k [B, M, H·d]}, {@code v [B, M, H·e]}), per head with {@code s = 1/√d}: {@code P = softmax(s Q Kᵀ)},
     * {@code O = P V}; {@code dV = Pᵀ dO}, {@code dS = P ⊙ (dO Vᵀ − rowsum(dO ⊙ O))}, {@code dQ = s dS K},
     * {@code dK = s dSᵀ Q}. {@code P} is recomputed a block of query rows at a time (FlashAttention's backward pass,
     * Dao et al. 2022), so at most {@link #ATTENTION_SCORES} scores exist at once, and the forward pass keeps none:
     * at 512 px an SD 1.5 self-attention has 8 heads of 4096 x 4096. Scores and softmax are float32 whatever the
     * inputs' type, as the fused forward kernels accumulate them.
     *
     * <p>A block's {@code P} is read by its terms of all three gradients, which ONNX Runtime, running a program depth
     * first ({@code MemoryEstimate}), would compute as three chains: every block's {@code P} made for the first and
     * kept for the others (all the scores at once, 0.5 GiB of an SD 1.5 self-attention), or, with one block, its
     * {@code P} kept with {@code dK} and {@code dV} until the search came back for them. So each term also adds a
     * zero made of one value of each of the block's three terms: whichever term the search needs first, it computes
     * the block's three, and the block's {@code P} dies there. (A term that is not finite makes the zero, and so the
     * block's other terms, not finite: the step's gradient norm was not finite anyway. Summed in one flat
     * accumulator instead, through {@code Concat} and {@code Split}, the same order doubled Textual Inversion's step
     * time on an H100.)
     */
    private static List<Tensor> multiHeadAttention(Node n, Tensor dy) {
        if (n.inputs().size() != 3) {
            throw new UnsupportedOperationException("MultiHeadAttention is differentiable with query, key and value "
                    + "alone (no bias, mask or cache), got " + n.inputs().size() + " inputs");
        }
        int heads = (int) n.attrLong("num_heads");
        Tensor q = splitHeads(n.input(0), heads);
        Tensor k = splitHeads(n.input(1), heads);
        Tensor v = splitHeads(n.input(2), heads);
        DType dtype = q.dtype();
        double scale = n.attributes().containsKey("scale") ? n.attrDouble("scale") : 1 / Math.sqrt(q.shape().dim(3));
        long rows = q.shape().dim(2);
        long scoresPerRow = q.shape().dim(0) * heads * k.shape().dim(2);
        long block = Math.clamp(ATTENTION_SCORES / scoresPerRow, 1, rows);
        Tensor dO = null;
        Tensor delta = null;
        List<Tensor> dQ = new ArrayList<>();
        Tensor dK = null;
        Tensor dV = null;
        for (long start = 0; start < rows; start += block) {
            long end = Math.min(rows, start + block);
            Tensor qBlock = queryRows(q, start, end, rows);
            Tensor p = qBlock.mul(scale).matmul(k.mT()).cast(DType.FLOAT32).softmax(-1);
            Tensor pT = p.cast(dtype).mT();
            if (dO == null) {
                // Made after the first block's probabilities and their transpose: ONNX Runtime's depth-first order
                // takes a node's latest inputs first, so it finishes the backward pass above this attention before
                // it recomputes a block, where recomputed first the blocks of several attentions waited for their
                // dy together (0.28 GiB more of an SD 1.5 Textual Inversion step's activations, estimated).
                dO = splitHeads(dy, heads);
                delta = dO.cast(DType.FLOAT32).mul(splitHeads(y(n), heads).cast(DType.FLOAT32)).sum(true, -1);
            }
            Tensor dOBlock = queryRows(dO, start, end, rows);
            Tensor dS = p.mul(dOBlock.matmul(v.mT()).cast(DType.FLOAT32).sub(queryRows(delta, start, end, rows)))
                    .mul(scale).cast(dtype);
            Tensor dQTerm = dS.matmul(k);
            Tensor dKTerm = dS.mT().matmul(qBlock);
            Tensor dVTerm = pT.matmul(dOBlock);
            Tensor zero = oneValue(dQTerm).add(oneValue(dKTerm)).add(oneValue(dVTerm)).mul(0);
            dQ.add(dQTerm.add(zero));
            dK = accumulate(dK, dKTerm.add(zero));
            dV = accumulate(dV, dVTerm.add(zero));
        }
        return of(mergeHeads(dQ.size() == 1 ? dQ.get(0) : Tensor.concat(2, dQ)), mergeHeads(dK), mergeHeads(dV));
    }

    /** The first value of {@code x}, as {@code [1]}. */
    private static Tensor oneValue(Tensor x) {
        return x.reshape(-1).slice(0, 0, 1);
    }

    private static Tensor accumulate(Tensor sum, Tensor term) {
        return sum == null ? term : sum.add(term);
    }

    /** {@code [B, N, H·d]} to {@code [B, H, N, d]}. */
    private static Tensor splitHeads(Tensor x, int heads) {
        return x.reshape(x.shape().dim(0), x.shape().dim(1), heads, -1).transpose(0, 2, 1, 3);
    }

    /** {@code [B, H, N, d]} to {@code [B, N, H·d]}. */
    private static Tensor mergeHeads(Tensor x) {
        return x.transpose(0, 2, 1, 3).reshape(x.shape().dim(0), x.shape().dim(2), -1);
    }

    private static Tensor queryRows(Tensor x, long start, long end, long rows) {
        return start == 0 && end == rows ? x : x.slice(2, start, end);
    }

    /** {@code dX} of a convolution is the transposed convolution of {@code dY} with the same kernel. */
    private static Tensor convInputGrad(Node n, Tensor dy) {
        Tensor x = x(n);
        Tensor w = n.input(1);
        long[] strides = n.attrLongs("strides");
        long[] pads = n.attrLongs("pads");
        long[] outputPadding = new long[2];
        for (int i = 0; i < 2; i++) {
            long produced = (dy.shape().dim(2 + i) - 1) * strides[i] - pads[i] - pads[i + 2] + w.shape().dim(2 + i);
            outputPadding[i] = x.shape().dim(2 + i) - produced;
        }
        Map<String, Object> attrs = Map.of("kernel_shape", n.attrLongs("kernel_shape"), "strides", strides,
                "pads", pads, "output_padding", outputPadding);
        return dy.graph().apply("ConvTranspose", List.of(dy, w), attrs, List.of(x.dtype()), List.of(x.shape())).get(0);
    }

    /**
     * {@code dW[o, c, i, j] = Σ_{n,h,w} dY[n, o, h, w] X̃[n, c, s·h + i, s·w + j]} over the padded input
     * {@code X̃}: for each kernel offset {@code (i, j)}, one batched matrix product of {@code dY} with
     * the strided view of {@code X̃} at that offset. Offset by offset, the views never coexist, so the
     * extra memory is one input-sized view (an im2col matrix would take kH·kW of them).
     */
    private static Tensor convWeightGrad(Node n, Tensor dy) {
        Tensor x = x(n);
        Shape w = n.input(1).shape();
        long[] strides = n.attrLongs("strides");
        long[] pads = n.attrLongs("pads");
        long batch = x.shape().dim(0);
        long channels = x.shape().dim(1);
        long outH = dy.shape().dim(2);
        long outW = dy.shape().dim(3);
        Tensor padded = x.pad(0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]);
        Tensor dyRows = dy.reshape(batch, w.dim(0), outH * outW);
        List<Tensor> perOffset = new ArrayList<>();
        for (long i = 0; i < w.dim(2); i++) {
            for (long j = 0; j < w.dim(3); j++) {
                Tensor view = stridedWindow(padded, i, j, outH, outW, strides).reshape(batch, channels, outH * outW);
                perOffset.add(dyRows.matmul(view.mT()).reshape(batch, w.dim(0), channels, 1));
            }
        }
        Tensor grad = perOffset.size() == 1 ? perOffset.get(0) : Tensor.concat(3, perOffset);
        return grad.sum(false, 0).reshape(w);
    }

    /** {@code x[:, :, i : i + s·(h−1) + 1 : s, j : j + s·(w−1) + 1 : s]}, shape {@code [N, C, h, w]}. */
    private static Tensor stridedWindow(Tensor x, long i, long j, long h, long w, long[] strides) {
        Graph g = x.graph();
        List<Tensor> args = List.of(x, g.constantLongs(i, j), g.constantLongs(i + strides[0] * (h - 1) + 1, j + strides[1] * (w - 1) + 1),
                g.constantLongs(2, 3), g.constantLongs(strides[0], strides[1]));
        Shape out = Shape.of(x.shape().dim(0), x.shape().dim(1), h, w);
        return g.apply("Slice", args, Map.of(), List.of(x.dtype()), List.of(out)).get(0);
    }

    /** {@code dTable = 0} with {@code dy} rows added at the gathered indices (repeats accumulate). */
    private static Tensor scatterAdd(Tensor table, Tensor indices, Tensor dy, long axis) {
        if (axis != 0) {
            throw new UnsupportedOperationException("Gather is differentiable along axis 0 only, got axis " + axis);
        }
        Shape row = table.shape().slice(1, table.rank());
        Tensor idx = indices.reshape(indices.shape().size(), 1);
        Tensor updates = dy.reshape(Shape.of(indices.shape().size()).concat(row));
        Graph g = dy.graph();
        return g.apply("ScatterND", List.of(g.zeros(table.dtype(), table.shape()), idx, updates),
                Map.of("reduction", "add"), List.of(table.dtype()), List.of(table.shape())).get(0);
    }

    private static long[] slicePadding(Node n) {
        Shape in = x(n).shape();
        int axis = in.axis((int) constant(n, 3)[0]);
        long start = constant(n, 1)[0];
        long end = constant(n, 2)[0];
        long[] pads = new long[2 * in.rank()];
        pads[axis] = start;
        pads[axis + in.rank()] = in.dim(axis) - end;
        return pads;
    }

    private static Tensor unpad(Node n, Tensor dy) {
        long[] pads = constant(n, 1);
        Tensor g = dy;
        for (int axis = 0; axis < dy.rank(); axis++) {
            g = g.slice(axis, pads[axis], dy.shape().dim(axis) - pads[axis + dy.rank()]);
        }
        return g;
    }

    private static long[] keptShape(Node n) {
        long[] dims = x(n).shape().dims();
        for (long axis : constant(n, 1)) {
            dims[x(n).shape().axis((int) axis)] = 1;
        }
        return dims;
    }

    private static long[] sizes(Node n) {
        int axis = (int) n.attrLong("axis");
        return n.inputs().stream().mapToLong(t -> t.shape().dim(axis)).toArray();
    }

    private static int[] inverse(long[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inv[(int) perm[i]] = i;
        }
        return inv;
    }

    private static long[] constant(Node n, int input) {
        var value = n.input(input).constantValue();
        if (value == null || value.dtype() != DType.INT64) {
            throw new IllegalStateException(n + ": input " + input + " must be an int64 constant to differentiate");
        }
        long[] out = new long[(int) value.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) value.get(i);
        }
        return out;
    }

    private static Tensor zero(Tensor like) {
        return like.graph().scalar(0, like.dtype());
    }

    private static Tensor x(Node n) {
        return n.input(0);
    }

    private static Tensor a(Node n) {
        return n.input(0);
    }

    private static Tensor b(Node n) {
        return n.input(1);
    }

    private static Tensor y(Node n) {
        return n.output(0);
    }

    private static List<Tensor> of(Tensor... grads) {
        return Arrays.asList(grads);
    }
}
