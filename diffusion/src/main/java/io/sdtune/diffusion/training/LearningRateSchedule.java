package io.sdtune.diffusion.training;

import java.util.List;

/**
 * The learning rate at each optimisation step, as diffusers' {@code get_scheduler} computes it for the
 * names the training scripts take ({@code --lr_scheduler}, {@code --lr_warmup_steps}).
 */
public record LearningRateSchedule(String name, double learningRate, int warmupSteps, int totalSteps) {
    public static final List<String> NAMES = List.of("constant", "constant_with_warmup", "linear", "cosine");

    public LearningRateSchedule {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown lr_scheduler '" + name + "' (expected one of " + NAMES + ")");
        }
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("lr_warmup_steps must be >= 0 and max_train_steps >= 1");
        }
    }

    /** The rate for optimisation step {@code step} (0-based), before the optimizer applies it. */
    public double at(int step) {
        if (name.equals("constant")) {
            return learningRate;
        }
        if (step < warmupSteps) {
            return learningRate * step / Math.max(1, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (name) {
            case "linear" -> learningRate * Math.max(0, 1 - progress);
            case "cosine" -> learningRate * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
            default -> learningRate;
        };
    }
}
