package io.sdtune.diffusion.scheduler;

/**
 * How inference steps are placed among the training timesteps, named as in Table 2 of "Common
 * Diffusion Noise Schedules and Sample Steps are Flawed" (Lin et al. 2023) and as diffusers'
 * {@code timestep_spacing} spells them.
 *
 * <p>The arithmetic follows numpy as diffusers calls it (float64, ties rounded to even), so that
 * step counts that do not divide the training length land on the same integers.
 */
public enum TimestepSpacing {
    /** {@code 0, r, 2r, …} with {@code r = N // n}, shifted by {@code steps_offset}: never reaches {@code N − 1}. */
    LEADING("leading"),
    /** {@code N − 1, N − 1 − N/n, …} rounded: starts at the noisiest timestep, never reaches 0. */
    TRAILING("trailing"),
    /** {@code n} evenly spaced points from 0 to {@code N − 1} inclusive. */
    LINSPACE("linspace");

    private final String jsonName;

    TimestepSpacing(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The spelling in {@code scheduler_config.json}. */
    public String jsonName() {
        return jsonName;
    }

    /**
     * The integer timesteps, noisiest first, that DDPM, DDIM and PNDM sample at (and Euler, spaced
     * leading or trailing): {@code n} steps of a schedule trained on {@code N} timesteps.
     * {@code stepsOffset} shifts the leading spacing only.
     */
    int[] timesteps(int numTrainTimesteps, int numInferenceSteps, int stepsOffset) {
        int n = numInferenceSteps;
        int[] timesteps = new int[n];
        switch (this) {
            case LEADING -> {
                int stepRatio = numTrainTimesteps / n;
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (n - 1 - i) * stepRatio + stepsOffset;
                }
            }
            case TRAILING -> {
                double[] points = trailingPoints(numTrainTimesteps, numTrainTimesteps, n);
                if (points.length != n) {
                    throw trailingCountError(numTrainTimesteps, n, points.length);
                }
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (int) Math.rint(points[i]) - 1;
                }
            }
            case LINSPACE -> {
                double[] points = linspace(0, numTrainTimesteps - 1, n);
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (int) Math.rint(points[n - 1 - i]);
                }
            }
        }
        return timesteps;
    }

    /** {@code numpy.arange(start, 0, -N/n)}: the trailing points before rounding. */
    static double[] trailingPoints(double start, int numTrainTimesteps, int numInferenceSteps) {
        return arange(start, 0, -(double) numTrainTimesteps / numInferenceSteps);
    }

    /**
     * For some counts (61 of 1000, for one) float64 rounding makes numpy's trailing points one more,
     * the last next to 0, which diffusers turns into timestep −1; such a count is refused rather
     * than sampled at −1.
     */
    static IllegalArgumentException trailingCountError(int numTrainTimesteps, int numInferenceSteps, int found) {
        return new IllegalArgumentException("trailing spacing of " + numTrainTimesteps + " training timesteps gives "
                + found + " timesteps for " + numInferenceSteps + " steps in diffusers' arithmetic (the last one -1); "
                + "choose another number of steps or spacing");
    }

    /** {@code numpy.arange(start, stop, step)}: {@code start + i·δ}, with δ re-derived from the first two points. */
    private static double[] arange(double start, double stop, double step) {
        int length = (int) Math.max(0, Math.ceil((stop - start) / step));
        double delta = (start + step) - start;
        double[] points = new double[length];
        for (int i = 0; i < length; i++) {
            points[i] = start + i * delta;
        }
        return points;
    }

    /** {@code numpy.linspace(start, stop, num)}: {@code i·step + start}, the last point exactly {@code stop}. */
    static double[] linspace(double start, double stop, int num) {
        double[] points = new double[num];
        if (num == 1) {
            points[0] = start;
            return points;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            points[i] = i * step + start;
        }
        points[num - 1] = stop;
        return points;
    }
}
