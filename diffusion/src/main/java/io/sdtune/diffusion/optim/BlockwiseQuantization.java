package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.util.Arrays;

/**
 * bitsandbytes' block-wise 8-bit quantization (Dettmers et al., "8-bit Optimizers via Block-wise Quantization",
 * 2022) as graph ops: a float vector is cut into blocks of {@code blockSize}; each block keeps its largest
 * magnitude ({@code absmax}, float32) and each value the index of the nearest entry of {@code code} to
 * {@code value / absmax} (one byte). Dequantizing is {@code code[index] * absmax}.
 *
 * <p>{@code code} is the dynamic map of {@link #dynamicMap}: a sign, an exponent told by the number of leading
 * zero bits, and a linear fraction in the remaining bits, so it resolves small magnitudes finely, which Adam's
 * moments are full of.
 *
 * @param code the 256 representable values, sorted ascending
 */
public record BlockwiseQuantization(float[] code, int blockSize) {
    /** bitsandbytes' block size for optimizer state since 0.44 (2048 before). */
    public static final int DEFAULT_BLOCK_SIZE = 256;
    private static final int MAX_EXPONENT_BITS = 7;

    public BlockwiseQuantization {
        if (code.length != 256 || blockSize < 1) {
            throw new IllegalArgumentException("a block-wise 8-bit quantization needs 256 codes and a block size >= 1");
        }
        for (int i = 1; i < code.length; i++) {
            if (!(code[i - 1] <= code[i])) {
                throw new IllegalArgumentException("the code must be sorted ascending");
            }
        }
        code = code.clone();
    }

    /** A copy: the record keeps its own. */
    @Override
    public float[] code() {
        return code.clone();
    }

    /** The first moment's quantization: the signed dynamic map. */
    public static BlockwiseQuantization signed(int blockSize) {
        return new BlockwiseQuantization(dynamicMap(true), blockSize);
    }

    /** The second moment's (never negative): the unsigned dynamic map. */
    public static BlockwiseQuantization unsigned(int blockSize) {
        return new BlockwiseQuantization(dynamicMap(false), blockSize);
    }

    /**
     * bitsandbytes' {@code create_dynamic_map(signed, max_exponent_bits=7, total_bits=8)}: for each exponent
     * {@code i} in 0..6, the midpoints of {@code linspace(0.1, 1, 2^i + 1)} (signed; {@code 2^(i+1) + 1} unsigned)
     * times {@code 10^(i-6)}, mirrored when signed; then 0 and 1; sorted. Computed in float32 as torch computes
     * it ({@code linspace} from both ends), so each value is the library's up to a fused multiply-add's rounding.
     */
    public static float[] dynamicMap(boolean signed) {
        float[] data = new float[256];
        int n = 0;
        for (int i = 0; i < MAX_EXPONENT_BITS; i++) {
            int fractionItems = (signed ? 1 << i : 1 << (i + 1)) + 1;
            float[] boundaries = linspace(0.1f, 1f, fractionItems);
            float scale = (float) Double.parseDouble("1e" + (i - (MAX_EXPONENT_BITS - 1)));
            for (int j = 0; j + 1 < fractionItems; j++) {
                float mean = (boundaries[j] + boundaries[j + 1]) / 2f;
                data[n++] = scale * mean;
                if (signed) {
                    data[n++] = -scale * mean;
                }
            }
        }
        data[n++] = 0f;
        data[n++] = 1f;
        if (n != 256) {
            throw new IllegalStateException("the dynamic map has " + n + " values");
        }
        Arrays.sort(data);
        return data;
    }

    /** torch.linspace in float32: {@code start + step * i} for the first half, {@code end - step * (n - 1 - i)} after. */
    private static float[] linspace(float start, float end, int steps) {
        float step = (end - start) / (steps - 1);
        float[] out = new float[steps];
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? start + step * i : end - step * (steps - 1 - i);
        }
        return out;
    }

    /** The midpoints between neighbouring codes: a value goes to the number of midpoints below it. */
    float[] bounds() {
        float[] bounds = new float[code.length - 1];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = (code[i] + code[i + 1]) / 2f;
        }
        return bounds;
    }

    /** Codes and block maxima of a quantized float32 vector. */
    public record Quantized(Tensor codes, Tensor absmax) {
    }

    /**
     * This quantization in graph {@code g}: its tables become constants of {@code g} once, shared by every vector
     * quantized or dequantized there (an SD UNet's update quantizes hundreds).
     */
    public InGraph in(Graph g) {
        return new InGraph(g.constant(TensorData.of(code, code.length)), MidpointBins.of(bounds()).in(g));
    }

    /** The quantization's ops over its tables in one graph. */
    public final class InGraph {
        private final Tensor code;
        private final MidpointBins.Lookup midpoints;

        private InGraph(Tensor code, MidpointBins.Lookup midpoints) {
            this.code = code;
            this.midpoints = midpoints;
        }

        /**
         * Quantizes {@code x}, float32 {@code [L]} with L a whole number of blocks: uint8 codes {@code [L]} and
         * float32 {@code absmax [L / blockSize]}. Each value is scaled by its block's {@code 1 / max(absmax, 1e-38)}
         * and given the index of the nearest code, ties to the lower: the number of midpoints below it
         * (torch.bucketize over the midpoints, as bitsandbytes' reference does), found by {@link MidpointBins}. The
         * reference clips the scaled values to [-1, 1] first; here a value past either end by the reciprocal's
         * rounding counts what the end would, all midpoints or none, so the clip (a pass over the state) is left out.
         */
        public Quantized quantize(Tensor x) {
            long length = x.shape().size();
            if (x.dtype() != DType.FLOAT32 || x.rank() != 1 || length % blockSize != 0) {
                throw new IllegalArgumentException("quantize takes float32 [whole blocks of " + blockSize + "], got "
                        + x);
            }
            Tensor blocks = x.reshape(length / blockSize, blockSize);
            Tensor absmax = blocks.abs().max(false, 1);
            Tensor scale = x.graph().scalar(1, DType.FLOAT32).div(absmax.clip(1e-38, Float.MAX_VALUE)).reshape(-1, 1);
            Tensor scaled = blocks.mul(scale).reshape(length);
            return new Quantized(midpoints.below(scaled).cast(DType.UINT8), absmax);
        }

        /** float32 {@code [L]} from uint8 {@code codes [L]} and their blocks' {@code absmax}. */
        public Tensor dequantize(Tensor codes, Tensor absmax) {
            long length = codes.shape().size();
            if (codes.dtype() != DType.UINT8 || length % blockSize != 0
                    || absmax.shape().size() != length / blockSize) {
                throw new IllegalArgumentException("dequantize takes uint8 [whole blocks of " + blockSize + "] and one "
                        + "absmax per block, got " + codes + " and " + absmax);
            }
            Tensor values = code.gather(codes.cast(DType.INT32), 0);
            return values.reshape(length / blockSize, blockSize).mul(absmax.reshape(-1, 1)).reshape(length);
        }
    }

    /**
     * Counts the midpoints below a value in [-1, 1] with two table lookups where a binary search over 255 takes eight:
     * the update's largest cost on a GPU, where each lookup is a pass over the state. The value goes to one of
     * {@code 2 * BINS} bins of {@code τ(s) = BINS * (sign(s) |s|^(1/8) + 1)}, a monotone map that spreads the dynamic
     * map's decades over [0, 2 BINS] evenly enough that no three neighbouring bins hold two midpoints. The table gives
     * the midpoints that lie two bins or more below the value's bin, so certainly below the value however its τ is
     * rounded (by less than a bin); each of the {@code corrections} that follow compares the value with the next
     * midpoint and counts it when below, as the search would have. A NaN counts none, as in the search.
     *
     * @param below per bin (2 BINS + 1 of them), the number of midpoints in the bins two or more below it
     * @param midpoints the midpoints, then infinity: the comparison of a correction that has counted them all
     * @param corrections the most midpoints any three neighbouring bins hold
     */
    record MidpointBins(int[] below, float[] midpoints, int corrections) {
        static final int BINS = 4096;

        static MidpointBins of(float[] bounds) {
            int[] bin = new int[bounds.length];
            for (int k = 0; k < bounds.length; k++) {
                bin[k] = (int) Math.floor(BINS * (Math.signum(bounds[k]) * Math.pow(Math.abs(bounds[k]), 0.125) + 1));
            }
            int[] below = new int[2 * BINS + 1];
            int corrections = 0;
            for (int b = 0, first = 0; b < below.length; b++) {
                while (first < bounds.length && bin[first] <= b - 2) {
                    first++;
                }
                int near = first;
                while (near < bounds.length && bin[near] <= b + 1) {
                    near++;
                }
                below[b] = first;
                corrections = Math.max(corrections, near - first);
            }
            float[] midpoints = Arrays.copyOf(bounds, bounds.length + 1);
            midpoints[bounds.length] = Float.POSITIVE_INFINITY;
            return new MidpointBins(below, midpoints, corrections);
        }

        /** The tables as constants of {@code g}, for every lookup there. */
        Lookup in(Graph g) {
            Tensor bins = g.constant(TensorData.of(DType.INT32, Shape.of(below.length),
                    Arrays.stream(below).asDoubleStream().toArray()));
            return new Lookup(bins, g.constant(TensorData.of(midpoints, midpoints.length)), corrections);
        }

        /** The tables of {@link MidpointBins} in one graph. */
        record Lookup(Tensor bins, Tensor midpoints, int corrections) {

            /**
         * int32 counts of the midpoints below each value of {@code s}, float32 in [-1, 1] or past it by a rounding
         * (counted as the end: the bin is clamped, and the comparisons stop at the infinity after the midpoints).
         */
            Tensor below(Tensor s) {
                Graph g = s.graph();
                Tensor root = s.abs().sqrt().sqrt().sqrt().mul(s.sign());
                // Cast NaN to the lowest bin: the CPU makes it the least int32, CUDA 0.
                Tensor bin = root.mul(BINS).add(BINS).cast(DType.INT32)
                        .maximum(g.scalar(0, DType.INT32)).minimum(g.scalar(2 * BINS, DType.INT32));
                Tensor count = bins.gather(bin, 0);
                for (int i = 0; i < corrections; i++) {
                    count = count.add(midpoints.gather(count, 0).less(s).cast(DType.INT32));
                }
                return count;
            }
        }
    }
}
