package io.sdtune.diffusion.scheduler;

import java.util.SplittableRandom;

/**
 * Gaussian noise from a seed: Box-Muller over {@link SplittableRandom}. The stream is fixed by the
 * seed and does not depend on how it is split into calls. It does not reproduce torch's generator.
 */
public final class SeededNoise implements NoiseSource {
    private final SplittableRandom random;
    /** Box-Muller yields values in pairs; the second waits here for the next draw. */
    private double spare = Double.NaN;

    public SeededNoise(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public float[] standardNormal(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, found " + count);
        }
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) next();
        }
        return out;
    }

    private double next() {
        if (!Double.isNaN(spare)) {
            double value = spare;
            spare = Double.NaN;
            return value;
        }
        double u1 = 1 - random.nextDouble(); // in (0, 1]: log(u1) stays finite
        double u2 = random.nextDouble();
        double radius = Math.sqrt(-2 * Math.log(u1));
        spare = radius * Math.sin(2 * Math.PI * u2);
        return radius * Math.cos(2 * Math.PI * u2);
    }
}
