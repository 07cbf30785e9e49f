package io.sdtune.diffusion.optim;

/**
 * AdamW's moments kept in 8 bits, as bitsandbytes' {@code AdamW8bit} keeps them ({@code --use_8bit_adam}): for
 * every parameter of {@code minSize} values or more, the first moment block-wise quantized with the signed
 * dynamic map and the second with the unsigned one ({@link BlockwiseQuantization}); smaller parameters keep
 * float32 moments, which cost little and would lose the most. The update itself is AdamW's, in float32, on the
 * dequantized moments; the parameters stay at full precision.
 */
public record EightBitState(int blockSize, long minSize) {
    /** bitsandbytes' defaults: blocks of 256 (since 0.44), {@code min_8bit_size=4096}. */
    public static final EightBitState BITSANDBYTES = new EightBitState(BlockwiseQuantization.DEFAULT_BLOCK_SIZE, 4096);

    public EightBitState {
        if (blockSize < 1 || minSize < 1) {
            throw new IllegalArgumentException("8-bit state needs a block size and a minimum size of at least 1");
        }
    }

    boolean quantizes(long parameterSize) {
        return parameterSize >= minSize;
    }

    /** The blocks of a parameter of {@code n} values; its codes are stored at whole blocks. */
    long blocks(long n) {
        return (n + blockSize - 1) / blockSize;
    }
}
