package io.sdtune.diffusion.scheduler;

/** Where stochastic samplers draw their noise: standard normal values, in a reproducible order for a seed. */
@FunctionalInterface
public interface NoiseSource {

    /** {@code count} independent draws from N(0, 1). */
    float[] standardNormal(int count);
}
