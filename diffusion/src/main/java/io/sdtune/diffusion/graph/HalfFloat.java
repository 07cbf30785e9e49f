package io.sdtune.diffusion.graph;

/** bfloat16 conversions, which the JDK lacks (IEEE binary16 is its {@code Float.floatToFloat16}). */
final class HalfFloat {
    private HalfFloat() {
    }

    static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
