package io.sdtune.diffusion.scheduler;

import java.util.List;

/**
 * The forward (noising) process of DDPM (Ho et al. 2020) over {@code N} training timesteps:
 * betas β_t, their cumulative product ᾱ_t = ∏(1 − β_s), and what training and sampling derive
 * from them.
 *
 * <pre>
 *   x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε          (addNoise)
 *   v_t = √ᾱ_t ε − √(1 − ᾱ_t) x₀          (velocity, the v-prediction target)
 *   SNR(t) = ᾱ_t / (1 − ᾱ_t)
 *   σ_t = √((1 − ᾱ_t) / ᾱ_t)              (the noise level of the Karras / k-diffusion view)
 * </pre>
 *
 * <p>diffusers keeps β and ᾱ in float32 (ᾱ accumulated in float64 by torch's {@code cumprod}, each
 * value stored in float32). The tables here hold those same float32 values in doubles, and samples
 * are combined in float32 arithmetic, operation by operation as diffusers' tensor ops round them.
 */
public final class NoiseSchedule {
    /** The Improved DDPM cap on cosine betas: β near the end would otherwise reach 1. */
    private static final double MAX_COSINE_BETA = 0.999;
    /**
     * ᾱ used for σ where a zero-terminal-SNR schedule has ᾱ = 0 (σ would be infinite): float16's
     * smallest subnormal, diffusers' choice for its Euler and DPM-Solver schedulers.
     */
    private static final float ZERO_SNR_ALPHA_CUMPROD = 0x1p-24f;

    private final double[] betas;
    private final double[] alphasCumprod;
    private final double[] sigmas;

    private NoiseSchedule(double[] betas) {
        this.betas = betas;
        this.alphasCumprod = new double[betas.length];
        this.sigmas = new double[betas.length];
        double product = 1; // torch's cumprod multiplies the float32 factors in float64
        for (int t = 0; t < betas.length; t++) {
            product *= (float) (1 - betas[t]);
            float alphaProd = (float) product;
            alphasCumprod[t] = alphaProd;
            if (alphaProd == 0) {
                alphaProd = ZERO_SNR_ALPHA_CUMPROD;
            }
            sigmas[t] = (float) Math.sqrt((1 - alphaProd) / alphaProd);
        }
    }

    /** The training schedule a config describes: {@code trained_betas} if given, else {@code beta_schedule}. */
    public static NoiseSchedule of(SchedulerConfig config) {
        double[] betas = config.trainedBetas().isEmpty()
                ? betas(config.betaSchedule(), config.betaStart(), config.betaEnd(), config.numTrainTimesteps())
                : toFloat32(config.trainedBetas());
        return new NoiseSchedule(config.rescaleBetasZeroSnr() ? rescaleZeroTerminalSnr(betas) : betas);
    }

    public int numTrainTimesteps() {
        return betas.length;
    }

    public double beta(int timestep) {
        return betas[checked(timestep)];
    }

    /** ᾱ_t, diffusers' {@code alphas_cumprod[t]}. */
    public double alphaCumprod(int timestep) {
        return alphasCumprod[checked(timestep)];
    }

    public double[] betas() {
        return betas.clone();
    }

    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** SNR(t) = ᾱ_t / (1 − ᾱ_t), the weight behind Min-SNR loss weighting ({@code --snr_gamma}). */
    public double snr(int timestep) {
        double alphaProd = alphaCumprod(timestep);
        return alphaProd / (1 - alphaProd);
    }

    /**
     * σ at a (possibly fractional) timestep, interpolated linearly between the training timesteps'
     * float32 σ table as {@code numpy.interp} does, and held at the ends outside [0, N − 1].
     */
    public double sigma(double timestep) {
        int last = sigmas.length - 1;
        if (timestep <= 0) {
            return sigmas[0];
        }
        if (timestep >= last) {
            return sigmas[last];
        }
        int low = (int) Math.floor(timestep);
        if (low == timestep) {
            return sigmas[low];
        }
        return (sigmas[low + 1] - sigmas[low]) * (timestep - low) + sigmas[low];
    }

    /** x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε for one sample (or a batch that shares the timestep). */
    public float[] addNoise(float[] x0, float[] noise, int timestep) {
        return addNoise(x0, noise, new int[] {timestep});
    }

    /**
     * x_t per batch item: {@code x0} and {@code noise} hold {@code timesteps.length} items of equal
     * size back to back (NCHW order), and item {@code b} is noised to {@code timesteps[b]}.
     */
    public float[] addNoise(float[] x0, float[] noise, int[] timesteps) {
        return combine(x0, noise, timesteps, false);
    }

    /** v = √ᾱ_t ε − √(1 − ᾱ_t) x₀, the target of a v-prediction model. */
    public float[] velocity(float[] x0, float[] noise, int timestep) {
        return velocity(x0, noise, new int[] {timestep});
    }

    /** v per batch item, laid out as in {@link #addNoise(float[], float[], int[])}. */
    public float[] velocity(float[] x0, float[] noise, int[] timesteps) {
        return combine(x0, noise, timesteps, true);
    }

    private float[] combine(float[] x0, float[] noise, int[] timesteps, boolean velocity) {
        if (x0.length != noise.length) {
            throw new IllegalArgumentException("x0 has " + x0.length + " values but noise has " + noise.length);
        }
        if (timesteps.length == 0 || x0.length % timesteps.length != 0) {
            throw new IllegalArgumentException("expected one timestep per batch item, found " + timesteps.length
                    + " timesteps for " + x0.length + " values");
        }
        int itemSize = x0.length / timesteps.length;
        float[] out = new float[x0.length];
        for (int b = 0; b < timesteps.length; b++) {
            float alphaProd = (float) alphaCumprod(timesteps[b]);
            float sqrtAlphaProd = (float) Math.sqrt(alphaProd);
            float sqrtOneMinusAlphaProd = (float) Math.sqrt(1 - alphaProd);
            for (int i = b * itemSize; i < (b + 1) * itemSize; i++) {
                out[i] = velocity
                        ? sqrtAlphaProd * noise[i] - sqrtOneMinusAlphaProd * x0[i]
                        : sqrtAlphaProd * x0[i] + sqrtOneMinusAlphaProd * noise[i];
            }
        }
        return out;
    }

    private int checked(int timestep) {
        if (timestep < 0 || timestep >= betas.length) {
            throw new IllegalArgumentException(
                    "timestep must be in [0, " + (betas.length - 1) + "], found " + timestep);
        }
        return timestep;
    }

    private static double[] betas(SchedulerConfig.BetaSchedule schedule, double betaStart, double betaEnd, int n) {
        return switch (schedule) {
            case LINEAR -> float32Linspace(betaStart, betaEnd, n);
            case SCALED_LINEAR -> {
                double[] roots = float32Linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n);
                double[] betas = new double[n];
                for (int t = 0; t < n; t++) {
                    float root = (float) roots[t];
                    betas[t] = root * root;
                }
                yield betas;
            }
            case SQUAREDCOS_CAP_V2 -> {
                double[] betas = new double[n];
                for (int t = 0; t < n; t++) {
                    double beta = 1 - cosineAlphaBar((t + 1) / (double) n) / cosineAlphaBar(t / (double) n);
                    betas[t] = (float) Math.min(beta, MAX_COSINE_BETA);
                }
                yield betas;
            }
        };
    }

    /** ᾱ(t) = cos²((t + s)/(1 + s) · π/2) with offset s = 0.008, t ∈ [0, 1] (Improved DDPM, eq. 17). */
    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /**
     * {@code torch.linspace(start, end, n, dtype=float32)} bit for bit: the ends and the step are
     * float32, and each point is one fused multiply-add from the nearer end.
     */
    private static double[] float32Linspace(double start, double end, int n) {
        float first = (float) start;
        float last = (float) end;
        double[] points = new double[n];
        if (n == 1) {
            points[0] = first;
            return points;
        }
        float step = (last - first) / (n - 1);
        for (int i = 0; i < n; i++) {
            points[i] = i < n / 2 ? Math.fma(step, i, first) : Math.fma(-step, n - 1 - i, last);
        }
        return points;
    }

    /**
     * Algorithm 1 of Lin et al. 2023: shift and scale √ᾱ so the last timestep has ᾱ = 0 (zero
     * terminal SNR) while the first keeps its value, then convert back to betas. Intermediate values
     * are float32, as in diffusers.
     */
    private static double[] rescaleZeroTerminalSnr(double[] betas) {
        int n = betas.length;
        float[] sqrtAlphaProd = new float[n];
        double product = 1;
        for (int t = 0; t < n; t++) {
            product *= (float) (1 - betas[t]);
            sqrtAlphaProd[t] = (float) Math.sqrt((float) product);
        }
        float first = sqrtAlphaProd[0];
        float last = sqrtAlphaProd[n - 1];
        float scale = first / (first - last);
        float[] alphaProd = new float[n];
        for (int t = 0; t < n; t++) {
            float shifted = (sqrtAlphaProd[t] - last) * scale;
            alphaProd[t] = shifted * shifted;
        }
        double[] rescaled = new double[n];
        rescaled[0] = 1 - alphaProd[0];
        for (int t = 1; t < n; t++) {
            rescaled[t] = 1 - alphaProd[t] / alphaProd[t - 1];
        }
        return rescaled;
    }

    /** {@code trained_betas} as diffusers holds them: a float32 tensor. */
    private static double[] toFloat32(List<Double> values) {
        return values.stream().mapToDouble(v -> (float) v.doubleValue()).toArray();
    }
}
