package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
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
     * Quantizes {@code x}, float32 {@code [L]} with L a whole number of blocks: uint8 codes {@code [L]} and float32
     * {@code absmax [L / blockSize]}. Each value is scaled by its block's {@code 1 / max(absmax, 1e-38)}, clipped
     * to [-1, 1] and given the index of the nearest code, ties to the lower (torch.bucketize over the midpoints,
     * as bitsandbytes' reference does): eight steps of a binary search over the 255 midpoints, each one gather.
     */
    public Quantized quantize(Tensor x) {
        long length = x.shape().size();
        if (x.dtype() != DType.FLOAT32 || x.rank() != 1 || length % blockSize != 0) {
            throw new IllegalArgumentException("quantize takes float32 [whole blocks of " + blockSize + "], got " + x);
        }
        Graph g = x.graph();
        Tensor blocks = x.reshape(length / blockSize, blockSize);
        Tensor absmax = blocks.abs().max(false, 1);
        Tensor scale = g.scalar(1, DType.FLOAT32).div(absmax.clip(1e-38, Float.MAX_VALUE)).reshape(-1, 1);
        Tensor scaled = blocks.mul(scale).clip(-1, 1).reshape(length);
        float[] midpoints = bounds();
        Tensor bounds = g.constant(TensorData.of(midpoints, code.length - 1));
        // The first probe is the same midpoint for every value: a scalar. As a gather from a constant index of the
        // input's size it would be folded by ONNX Runtime into initializers of that size, which sessions keep:
        // 9 GB for SD 1.5's UNet.
        int first = code.length / 2;
        Tensor index = g.scalar(midpoints[first - 1], DType.FLOAT32).less(scaled).cast(DType.INT32).mul(first);
        for (int step = first / 2; step >= 1; step /= 2) {
            Tensor probe = index.add(step - 1);
            index = index.add(bounds.gather(probe, 0).less(scaled).cast(DType.INT32).mul(step));
        }
        return new Quantized(index.cast(DType.UINT8), absmax);
    }

    /** float32 {@code [L]} from uint8 {@code codes [L]} and their blocks' {@code absmax}. */
    public Tensor dequantize(Tensor codes, Tensor absmax) {
        long length = codes.shape().size();
        if (codes.dtype() != DType.UINT8 || length % blockSize != 0 || absmax.shape().size() != length / blockSize) {
            throw new IllegalArgumentException("dequantize takes uint8 [whole blocks of " + blockSize + "] and one "
                    + "absmax per block, got " + codes + " and " + absmax);
        }
        Tensor values = codes.graph().constant(TensorData.of(code, code.length)).gather(codes.cast(DType.INT32), 0);
        return values.reshape(length / blockSize, blockSize).mul(absmax.reshape(-1, 1)).reshape(length);
    }
}
