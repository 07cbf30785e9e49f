package io.sdtune.storage;

import java.io.InputStream;
import java.util.SplittableRandom;

/** {@code size} seeded pseudo-random bytes made as they are read: a large file that is nowhere in memory. */
final class SyntheticStream extends InputStream {
    private final SplittableRandom random;
    private long remaining;

    SyntheticStream(long size, long seed) {
        this.random = new SplittableRandom(seed);
        this.remaining = size;
    }

    @Override
    public int read() {
        if (remaining == 0) {
            return -1;
        }
        remaining--;
        return random.nextInt(256);
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (remaining == 0) {
            return -1;
        }
        int n = (int) Math.min(length, remaining);
        for (int i = 0; i < n; i++) {
            buffer[offset + i] = (byte) random.nextInt(256);
        }
        remaining -= n;
        return n;
    }
}
