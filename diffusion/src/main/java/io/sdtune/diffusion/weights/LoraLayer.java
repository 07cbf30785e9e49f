package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * One layer's update as an adapter file stores it, by the parts kohya and LyCORIS name (their key suffixes): a
 * LoRA or LoCon ({@code lora_down.weight}, {@code lora_up.weight}), a LoHa ({@code hada_w1_a} ... {@code hada_w2_b}),
 * a LoKr ({@code lokr_w1} or {@code lokr_w1_a}/{@code _b}, {@code lokr_w2} or {@code lokr_w2_a}/{@code _b}), each
 * with its {@code alpha}, and any of them weight-decomposed (DoRA, {@code dora_scale}). A convolution's weight
 * {@code [out, in, kh, kw]} is taken as the matrix {@code [out, in kh kw]}, as these formats flatten it.
 *
 * <p>{@link #delta} is the update {@code ΔW} before the adapter's strength s, which AUTOMATIC1111 (whose semantics
 * these files are made for) applies last: the layer draws on {@code W + s ΔW}.
 */
public sealed interface LoraLayer {

    /** The parts a layer is read from; a key with another suffix is refused, naming it. */
    Set<String> PARTS = Set.of("lora_down.weight", "lora_up.weight", "alpha", "hada_w1_a", "hada_w1_b", "hada_w2_a",
            "hada_w2_b", "lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b", "dora_scale");

    /** {@code ΔW} of a layer whose weight is {@code weight} (values {@code [out, in kh kw]}, float32), its shape. */
    float[] delta(float[] weight, Shape shape);

    /** The stored tensors by part, as a kohya/LyCORIS file keys them after the layer's name. */
    Map<String, TensorData> parts();

    /** What the file calls it: LoRA, LoCon, LoHa, LoKr, or one of them with DoRA. */
    String kind();

    /** Whether a LoRA branch {@code x ↦ s (α/r) B (A x)} draws it, so that a batch may mix it with others. */
    default boolean branchable() {
        return false;
    }

    /**
     * The layer {@code parts} describe, checked against the layer's weight shape.
     *
     * @throws IllegalArgumentException naming the part that is missing, left over or does not fit, and the shapes
     */
    static LoraLayer of(Map<String, TensorData> parts, Shape weight) {
        Map<String, TensorData> rest = new LinkedHashMap<>(parts);
        TensorData alpha = rest.remove("alpha");
        if (alpha != null && alpha.shape().size() != 1) {
            throw new IllegalArgumentException("alpha is " + alpha.shape() + ", but an alpha is one value");
        }
        TensorData magnitude = rest.remove("dora_scale");
        LoraLayer layer;
        if (rest.containsKey("lora_down.weight") || rest.containsKey("lora_up.weight")) {
            layer = LowRank.of(take(rest, "lora_down.weight"), take(rest, "lora_up.weight"), alpha, weight);
        } else if (rest.keySet().stream().anyMatch(k -> k.startsWith("hada_"))) {
            layer = Hadamard.of(take(rest, "hada_w1_a"), take(rest, "hada_w1_b"), take(rest, "hada_w2_a"),
                    take(rest, "hada_w2_b"), alpha, weight);
        } else if (rest.keySet().stream().anyMatch(k -> k.startsWith("lokr_"))) {
            layer = Kronecker.of(rest.remove("lokr_w1"), rest.remove("lokr_w1_a"), rest.remove("lokr_w1_b"),
                    rest.remove("lokr_w2"), rest.remove("lokr_w2_a"), rest.remove("lokr_w2_b"), alpha, weight);
        } else {
            throw new IllegalArgumentException(parts.keySet() + " without an update (lora_down/lora_up, hada_*, "
                    + "lokr_*)");
        }
        if (!rest.isEmpty()) {
            throw new IllegalArgumentException("mixes " + rest.keySet() + " into a " + layer.kind() + " update");
        }
        return magnitude == null ? layer : Decomposed.of(layer, magnitude, weight);
    }

    /**
     * LoRA, or kohya's LoCon on a convolution: {@code ΔW = (α/r) B A} with {@code down} A {@code [r, in]} (a
     * convolution's {@code [r, in, kh, kw]}), {@code up} B {@code [out, r]} ({@code [out, r, 1, 1]}), alpha null when
     * the file has none (then α = r).
     */
    record LowRank(TensorData down, TensorData up, TensorData alpha) implements LoraLayer {

        static LowRank of(TensorData down, TensorData up, TensorData alpha, Shape weight) {
            long out = weight.dim(0);
            long in = weight.size() / out;
            Shape kernel = weight.slice(1, weight.rank());
            if (down.shape().rank() != weight.rank() || !down.shape().slice(1, weight.rank()).equals(kernel)) {
                throw misfit("lora_down.weight", down, "[rank, " + kernel.toString().substring(1));
            }
            long rank = down.shape().dim(0);
            if (rank < 1 || rank > Math.min(in, out)) {
                throw new IllegalArgumentException("lora_down.weight is " + down.shape()
                        + ", but the rank must be 1 to min(out, in) = " + Math.min(in, out));
            }
            Shape expectedUp = weight.rank() == 4 ? Shape.of(out, rank, 1, 1) : Shape.of(out, rank);
            if (!up.shape().equals(expectedUp)) {
                throw misfit("lora_up.weight", up, expectedUp + " for rank " + rank);
            }
            return new LowRank(down, up, alpha);
        }

        public int rank() {
            return (int) down.shape().dim(0);
        }

        /** Whether it adapts a convolution (LoCon). */
        public boolean convolution() {
            return down.shape().rank() == 4;
        }

        /** {@code α / r}: the factor on {@code B A}. */
        public double scale() {
            return alpha == null ? 1 : alpha.get(0) / rank();
        }

        @Override
        public String kind() {
            return convolution() ? "LoCon" : "LoRA";
        }

        @Override
        public boolean branchable() {
            return !convolution();
        }

        @Override
        public float[] delta(float[] weight, Shape shape) {
            return product(up, down, rank(), (float) scale());
        }

        @Override
        public Map<String, TensorData> parts() {
            return withAlpha(alpha, "lora_down.weight", down, "lora_up.weight", up);
        }
    }

    /**
     * LyCORIS's LoHa: {@code ΔW = (α/r) (W₁ₐ W₁ᵦ) ⊙ (W₂ₐ W₂ᵦ)}, the Hadamard product of two rank-r products
     * ({@code w1_a [out, r]}, {@code w1_b [r, in]}), r being {@code w1_b}'s rows, as AUTOMATIC1111 takes it.
     */
    record Hadamard(TensorData w1a, TensorData w1b, TensorData w2a, TensorData w2b, TensorData alpha)
            implements LoraLayer {

        static Hadamard of(TensorData w1a, TensorData w1b, TensorData w2a, TensorData w2b, TensorData alpha,
                Shape weight) {
            requireProduct("hada_w1_a", w1a, "hada_w1_b", w1b, weight.dim(0), weight.size() / weight.dim(0));
            requireProduct("hada_w2_a", w2a, "hada_w2_b", w2b, weight.dim(0), weight.size() / weight.dim(0));
            return new Hadamard(w1a, w1b, w2a, w2b, alpha);
        }

        @Override
        public String kind() {
            return "LoHa";
        }

        @Override
        public float[] delta(float[] weight, Shape shape) {
            int r = (int) w1b.shape().dim(0);
            float[] d = product(w1a, w1b, r, alpha == null ? 1 : (float) (alpha.get(0) / r));
            float[] second = product(w2a, w2b, (int) w2b.shape().dim(0), 1);
            for (int i = 0; i < d.length; i++) {
                d[i] *= second[i];
            }
            return d;
        }

        @Override
        public Map<String, TensorData> parts() {
            return withAlpha(alpha, "hada_w1_a", w1a, "hada_w1_b", w1b, "hada_w2_a", w2a, "hada_w2_b", w2b);
        }
    }

    /**
     * LyCORIS's LoKr: {@code ΔW = scale · W₁ ⊗ W₂} (Kronecker product), {@code W₁ [a, b]} and {@code W₂ [c, d]} with
     * {@code a c = out}, {@code b d = in} (a convolution's {@code W₂} being {@code [c, d, kh, kw]} or flat), each
     * stored whole or as a rank-r product ({@code lokr_w1_a [a, r]}, {@code lokr_w1_b [r, b]}). The scale is
     * {@code α / r} with r the rows of the factored {@code W₂}'s (else {@code W₁}'s) second factor, 1 when neither is
     * factored or there is no alpha: AUTOMATIC1111's reading.
     */
    record Kronecker(TensorData w1, TensorData w1a, TensorData w1b, TensorData w2, TensorData w2a, TensorData w2b,
            TensorData alpha) implements LoraLayer {

        static Kronecker of(TensorData w1, TensorData w1a, TensorData w1b, TensorData w2, TensorData w2a,
                TensorData w2b, TensorData alpha, Shape weight) {
            Shape first = factor("lokr_w1", w1, w1a, w1b);
            Shape second = factor("lokr_w2", w2, w2a, w2b);
            long out = weight.dim(0);
            long in = weight.size() / out;
            long secondIn = second.size() / second.dim(0);
            if (first.dim(0) * second.dim(0) != out || first.dim(1) * secondIn != in) {
                throw new IllegalArgumentException("W1 " + first + " ⊗ W2 " + second + " is not the layer's weight "
                        + weight);
            }
            return new Kronecker(w1, w1a, w1b, w2, w2a, w2b, alpha);
        }

        @Override
        public String kind() {
            return "LoKr";
        }

        /** The shape of one factor, whole or a product, checking that its parts fit each other. */
        private static Shape factor(String name, TensorData whole, TensorData a, TensorData b) {
            if (whole != null) {
                if (a != null || b != null) {
                    throw new IllegalArgumentException(name + " is given both whole and as " + name + "_a/_b");
                }
                return whole.shape();
            }
            if (a == null || b == null) {
                throw new IllegalArgumentException("neither " + name + " nor both " + name + "_a and " + name + "_b");
            }
            requireProduct(name + "_a", a, name + "_b", b, a.shape().dim(0), b.shape().size() / b.shape().dim(0));
            return Shape.of(a.shape().dim(0), b.shape().size() / b.shape().dim(0));
        }

        @Override
        public float[] delta(float[] weight, Shape shape) {
            float[] first = w1 != null ? w1.toFloatArray() : product(w1a, w1b, (int) w1b.shape().dim(0), 1);
            float[] second = w2 != null ? w2.toFloatArray() : product(w2a, w2b, (int) w2b.shape().dim(0), 1);
            int a = (int) (w1 != null ? w1.shape().dim(0) : w1a.shape().dim(0));
            int b = first.length / a;
            int c = (int) (w2 != null ? w2.shape().dim(0) : w2a.shape().dim(0));
            int d = second.length / c;
            TensorData factored = w2b != null ? w2b : w1b;
            float scale = alpha == null || factored == null ? 1 : (float) (alpha.get(0) / factored.shape().dim(0));
            int in = b * d;
            float[] delta = new float[a * c * in];
            IntStream.range(0, a * c).parallel().forEach(row -> {
                int i = row / c;
                int p = row % c;
                for (int j = 0; j < b; j++) {
                    float f = scale * first[i * b + j];
                    for (int q = 0; q < d; q++) {
                        delta[row * in + j * d + q] = f * second[p * d + q];
                    }
                }
            });
            return delta;
        }

        @Override
        public Map<String, TensorData> parts() {
            return withAlpha(alpha, "lokr_w1", w1, "lokr_w1_a", w1a, "lokr_w1_b", w1b, "lokr_w2", w2, "lokr_w2_a", w2a,
                    "lokr_w2_b", w2b);
        }
    }

    /**
     * DoRA (weight-decomposed): the updated weight {@code W' = W + ΔW} rescaled to the stored magnitudes m, per input
     * column ({@code dora_scale [1, in, 1...]}, as AUTOMATIC1111 reads it) or per output row
     * ({@code [out, 1...]}, LyCORIS's {@code wd_on_out}; {@code [out]}, as PEFT stores it, which a square layer's
     * one-dimensional scale is taken as): {@code ΔW = m W' / ‖W'‖ - W}.
     */
    record Decomposed(LoraLayer update, TensorData magnitude, boolean perOutput) implements LoraLayer {

        static Decomposed of(LoraLayer update, TensorData magnitude, Shape weight) {
            long out = weight.dim(0);
            long in = weight.dim(1);
            Shape m = magnitude.shape();
            boolean perOutput = m.size() == out && m.dim(0) == out; // [out], [out, 1, ...]
            boolean perInput = m.size() == in && (m.rank() == 1 || m.dim(0) == 1); // [in], [1, in, ...]
            if (!perOutput && !perInput) {
                throw misfit("dora_scale", magnitude, "[1, " + in + ", ...] (per input) or [" + out
                        + ", 1, ...] (per output)");
            }
            return new Decomposed(update, magnitude, perOutput);
        }

        @Override
        public String kind() {
            return update.kind() + " with DoRA";
        }

        @Override
        public float[] delta(float[] weight, Shape shape) {
            float[] d = update.delta(weight, shape);
            int out = (int) shape.dim(0);
            int inFlat = weight.length / out;
            int kernel = (int) (shape.size() / (shape.dim(0) * shape.dim(1)));
            int groups = perOutput ? out : (int) shape.dim(1);
            double[] norms = new double[groups];
            for (int i = 0; i < weight.length; i++) {
                double v = weight[i] + d[i];
                norms[group(i, inFlat, kernel)] += v * v;
            }
            for (int i = 0; i < weight.length; i++) {
                int g = group(i, inFlat, kernel);
                d[i] = (float) ((weight[i] + d[i]) * magnitude.get(g) / Math.sqrt(norms[g]) - weight[i]);
            }
            return d;
        }

        /** The row (per output) or the input channel (per input) of the flat index {@code i}. */
        private int group(int i, int inFlat, int kernel) {
            return perOutput ? i / inFlat : i % inFlat / kernel;
        }

        @Override
        public Map<String, TensorData> parts() {
            Map<String, TensorData> parts = new LinkedHashMap<>(update.parts());
            parts.put("dora_scale", magnitude);
            return parts;
        }
    }

    private static TensorData take(Map<String, TensorData> parts, String name) {
        TensorData t = parts.remove(name);
        if (t == null) {
            throw new IllegalArgumentException(parts.keySet() + " without " + name);
        }
        return t;
    }

    /** Checks that {@code a [rows, r]} times {@code b [r, columns...]} is {@code [rows, columns]}. */
    private static void requireProduct(String aName, TensorData a, String bName, TensorData b, long rows, long columns) {
        if (a.shape().rank() != 2 || a.shape().dim(0) != rows) {
            throw misfit(aName, a, "[" + rows + ", rank]");
        }
        long rank = a.shape().dim(1);
        if (b.shape().rank() < 2 || b.shape().dim(0) != rank || b.shape().size() / rank != columns) {
            throw misfit(bName, b, "[" + rank + ", " + columns + "] (its trailing dimensions flattened)");
        }
    }

    private static IllegalArgumentException misfit(String part, TensorData t, String expected) {
        return new IllegalArgumentException(part + " is " + t.shape() + ", but must be " + expected);
    }

    /** {@code factor} times {@code a [rows, r]} times {@code b [r, columns]} (trailing dimensions flattened), in float32. */
    private static float[] product(TensorData a, TensorData b, int r, float factor) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        int rows = x.length / r;
        int columns = y.length / r;
        float[] z = new float[rows * columns];
        IntStream.range(0, rows).parallel().forEach(o -> {
            for (int k = 0; k < r; k++) {
                float f = factor * x[o * r + k];
                for (int i = 0; i < columns; i++) {
                    z[o * columns + i] += f * y[k * columns + i];
                }
            }
        });
        return z;
    }

    /** The parts the file has (names and tensors in turn, null for one it lacks), then {@code alpha} where given. */
    private static Map<String, TensorData> withAlpha(TensorData alpha, Object... namesAndTensors) {
        Map<String, TensorData> parts = new LinkedHashMap<>();
        for (int i = 0; i < namesAndTensors.length; i += 2) {
            if (namesAndTensors[i + 1] != null) {
                parts.put((String) namesAndTensors[i], (TensorData) namesAndTensors[i + 1]);
            }
        }
        if (alpha != null) {
            parts.put("alpha", alpha);
        }
        return parts;
    }
}
