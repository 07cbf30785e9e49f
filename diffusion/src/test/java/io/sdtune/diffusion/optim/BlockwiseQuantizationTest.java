package io.sdtune.diffusion.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The graph's quantization against the published algorithm written out plainly: bitsandbytes' dynamic map from
 * its definition, and its reference {@code quantize_blockwise} (absmax per block, scale, clip, the number of
 * midpoints below the value) element by element.
 */
class BlockwiseQuantizationTest {

    @Test
    void theSignedMapIsSevenDecadesOfLinearFractionsMirroredWithZeroAndOne() {
        float[] code = BlockwiseQuantization.dynamicMap(true);

        assertThat(code).hasSize(256).contains(0f).endsWith(1f);
        assertThat(code[0]).isCloseTo(-0.99296875f, within(1e-6f));
        // Exponent i holds 2^i fractions: the midpoints of linspace(0.1, 1, 2^i + 1), times 10^(i-6).
        int at = 128;
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 1 << i; j++) {
                double expected = Math.pow(10, i - 6) * (0.1 + 0.9 * (j + 0.5) / (1 << i));
                assertThat((double) code[at]).isCloseTo(expected, within(expected * 1e-6));
                assertThat(code[254 - at]).isEqualTo(-code[at]);
                at++;
            }
        }
        assertThat(code[127]).isZero();
    }

    @Test
    void theUnsignedMapSpendsTheSignBitOnTwiceTheFractions() {
        float[] code = BlockwiseQuantization.dynamicMap(false);

        assertThat(code[0]).isZero();
        assertThat(code[255]).isEqualTo(1f);
        int at = 1;
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 2 << i; j++) {
                double expected = Math.pow(10, i - 6) * (0.1 + 0.9 * (j + 0.5) / (2 << i));
                assertThat((double) code[at++]).isCloseTo(expected, within(expected * 1e-6));
            }
        }
    }

    @Test
    void quantizesBlockByBlockAsTheReferenceDoes() {
        BlockwiseQuantization q = BlockwiseQuantization.signed(256);
        float[] x = moments(new Random(3), 4 * 256);
        // A block whose largest magnitude is 1 holds every midpoint exactly: ties go to the lower code.
        float[] bounds = q.bounds();
        x[256] = 1f;
        System.arraycopy(bounds, 0, x, 257, bounds.length);
        // And a block of zeros.
        Arrays.fill(x, 512, 768, 0f);

        Quantized graph = quantize(q, x);

        Quantized reference = reference(q, x);
        assertThat(graph.absmax).containsExactly(reference.absmax);
        assertThat(graph.codes).containsExactly(reference.codes);
        assertThat(graph.codes[257]).as("the first midpoint ties to code 0").isEqualTo((byte) 0);
    }

    @Test
    void theSecondMomentsMapQuantizesPositiveValuesAsTheReference() {
        BlockwiseQuantization q = BlockwiseQuantization.unsigned(256);
        float[] x = moments(new Random(5), 2 * 256);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * x[i];
        }

        Quantized graph = quantize(q, x);

        Quantized reference = reference(q, x);
        assertThat(graph.absmax).containsExactly(reference.absmax);
        assertThat(graph.codes).containsExactly(reference.codes);
    }

    @Test
    void aBinHoldsTheDynamicMapsMidpointsOneAtATimeSoOneComparisonCorrectsTheTable() {
        assertThat(BlockwiseQuantization.MidpointBins.of(BlockwiseQuantization.signed(256).bounds()).corrections())
                .isEqualTo(1);
        assertThat(BlockwiseQuantization.MidpointBins.of(BlockwiseQuantization.unsigned(256).bounds()).corrections())
                .isEqualTo(1);
    }

    @Test
    void valuesOnAndBesideEveryMidpointAreCountedAsTheSearchCountsThem() {
        for (boolean signed : new boolean[] {true, false}) {
            float[] bounds = (signed ? BlockwiseQuantization.signed(256) : BlockwiseQuantization.unsigned(256)).bounds();
            // And the ends, zeros, tiny values, and values past the ends by a rounding (counted as the ends).
            float[] more = {-1f, -0f, 0f, Float.MIN_VALUE, 1e-30f, 1f, Math.nextUp(1f), 1.0001f, Math.nextDown(-1f),
                -1.0001f};
            float[] s = new float[3 * bounds.length + more.length];
            for (int k = 0; k < bounds.length; k++) {
                s[3 * k] = Math.nextDown(bounds[k]);
                s[3 * k + 1] = bounds[k];
                s[3 * k + 2] = Math.nextUp(bounds[k]);
            }
            System.arraycopy(more, 0, s, 3 * bounds.length, more.length);

            assertThat(below(bounds, s)).as(signed ? "signed" : "unsigned").containsExactly(reference(bounds, s));
        }
    }

    @Test
    void aCodeWithCrowdedMidpointsTakesMoreCorrectionsAndStaysExact() {
        float[] code = new float[256];
        for (int i = 0; i < 256; i++) {
            // Half the codes within a hundred-thousandth of 0.5, some of them equal.
            code[i] = i < 64 ? -1 + i / 64f : i < 192 ? 0.5f + (i / 2 - 32) * 1e-7f : 0.5f + (i - 191) / 128f;
        }
        float[] bounds = new BlockwiseQuantization(code, 256).bounds();
        Random random = new Random(11);
        float[] s = new float[2000];
        for (int i = 0; i < s.length; i++) {
            s[i] = i % 2 == 0 ? random.nextFloat() * 2 - 1 : bounds[random.nextInt(bounds.length)];
        }

        assertThat(BlockwiseQuantization.MidpointBins.of(bounds).corrections()).isGreaterThan(1);
        assertThat(below(bounds, s)).containsExactly(reference(bounds, s));
    }

    @Test
    void notANumberCountsNoMidpointAsTheSearchCountsNone() {
        float[] bounds = BlockwiseQuantization.signed(256).bounds();

        assertThat(below(bounds, new float[] {Float.NaN, 0.5f})).containsExactly(0, reference(bounds, new float[] {0.5f})[0]);
    }

    @Test
    void dequantizingGivesEachValuesCodeTimesItsBlocksMaximum() {
        BlockwiseQuantization q = BlockwiseQuantization.signed(256);
        float[] x = moments(new Random(7), 3 * 256);
        Quantized quantized = reference(q, x);

        Graph g = Graph.create();
        byte[] codes = quantized.codes;
        TensorData codeData = TensorData.allocate(DType.UINT8, Shape.of(codes.length));
        codeData.data().put(codes).rewind();
        Tensor y = q.in(g).dequantize(g.constant(codeData),
                g.constant(TensorData.of(quantized.absmax, quantized.absmax.length)));
        double[] values = run(y);

        for (int i = 0; i < x.length; i++) {
            float expected = q.code()[Byte.toUnsignedInt(codes[i])] * quantized.absmax[i / 256];
            assertThat(values[i]).isEqualTo(expected);
            // The map's widest gap, in its top decade, is 0.9 / 64 of the block's maximum: half of it at most is lost.
            assertThat(values[i]).isCloseTo(x[i], within(0.008 * quantized.absmax[i / 256]));
        }
    }

    /** Adam-like values: Gaussian, with magnitudes spread over several decades. */
    private static float[] moments(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(10, -random.nextInt(6)));
        }
        return x;
    }

    private record Quantized(byte[] codes, float[] absmax) {
    }

    private static Quantized quantize(BlockwiseQuantization q, float[] x) {
        Graph g = Graph.create();
        BlockwiseQuantization.Quantized out = q.in(g).quantize(g.constant(TensorData.of(x, x.length)));
        try (Session s = Session.create(new Program(Map.of(), Map.of("codes", out.codes(), "absmax", out.absmax())),
                n -> null, Device.CPU)) {
            Map<String, TensorData> result = s.run(Map.of());
            byte[] codes = new byte[x.length];
            result.get("codes").data().duplicate().rewind().get(codes);
            return new Quantized(codes, result.get("absmax").toFloatArray());
        }
    }

    private static double[] run(Tensor y) {
        try (Session s = Session.create(new Program(Map.of(), Map.of("y", y)), n -> null, Device.CPU)) {
            return s.run(Map.of()).get("y").toDoubleArray();
        }
    }

    private static int[] below(float[] bounds, float[] s) {
        Graph g = Graph.create();
        Tensor count = BlockwiseQuantization.MidpointBins.of(bounds).in(g)
                .below(g.constant(TensorData.of(s, s.length)));
        try (Session session = Session.create(new Program(Map.of(), Map.of("count", count)), n -> null, Device.CPU)) {
            return Arrays.stream(session.run(Map.of()).get("count").toDoubleArray()).mapToInt(d -> (int) d).toArray();
        }
    }

    /** torch.bucketize's count: the midpoints strictly below each value. */
    private static int[] reference(float[] bounds, float[] s) {
        int[] count = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            while (count[i] < bounds.length && bounds[count[i]] < s[i]) {
                count[i]++;
            }
        }
        return count;
    }

    /** bitsandbytes' quantize_blockwise reference, one value at a time. */
    private static Quantized reference(BlockwiseQuantization q, float[] x) {
        int blocks = x.length / q.blockSize();
        float[] absmax = new float[blocks];
        byte[] codes = new byte[x.length];
        float[] bounds = q.bounds();
        for (int b = 0; b < blocks; b++) {
            for (int i = b * q.blockSize(); i < (b + 1) * q.blockSize(); i++) {
                absmax[b] = Math.max(absmax[b], Math.abs(x[i]));
            }
            float scale = 1f / Math.max(absmax[b], 1e-38f);
            for (int i = b * q.blockSize(); i < (b + 1) * q.blockSize(); i++) {
                float scaled = Math.min(1f, Math.max(-1f, x[i] * scale));
                int below = 0;
                while (below < bounds.length && bounds[below] < scaled) {
                    below++;
                }
                codes[i] = (byte) below;
            }
        }
        return new Quantized(codes, absmax);
    }
}
