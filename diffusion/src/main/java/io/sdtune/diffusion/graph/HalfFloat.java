package io.sdtune.diffusion.graph;

/** IEEE binary16 (the JDK's, round to nearest even) and bfloat16 conversions (the JDK has none for bfloat16). */
final class HalfFloat {
    private HalfFloat() {
    }

    static float fp16ToFloat(short h) {
        return Float.float16ToFloat(h);
    }

    static short floatToFp16(float f) {
        return Float.floatToFloat16(f);
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
