package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Path;

/**
 * The settings the three methods share, named and defaulted as the diffusers training scripts'
 * flags. Each optimisation step averages the gradients of {@code gradientAccumulationSteps}
 * micro-batches of {@code trainBatchSize} images, computed one after another. {@code priorPreservation}
 * is null when the class prior is not preserved.
 * {@code checkpointingSteps} 0 saves no checkpoints; {@code resumeFromCheckpoint} is a checkpoint folder,
 * {@code "latest"}, or empty. With a {@code validationPrompt}, every {@code validationSteps} steps and at
 * the end {@code numValidationImages} images are drawn with the weights so far.
 */
public record TrainingArgs(
        Path pretrainedModelNameOrPath,
        Path instanceDataDir,
        String instancePrompt,
        PriorPreservation priorPreservation,
        Path outputDir,
        int resolution,
        InstanceImages.Crop crop,
        boolean randomFlip,
        int trainBatchSize,
        int gradientAccumulationSteps,
        int maxTrainSteps,
        double learningRate,
        boolean scaleLr,
        String lrScheduler,
        int lrWarmupSteps,
        double adamBeta1,
        double adamBeta2,
        double adamWeightDecay,
        double adamEpsilon,
        double maxGradNorm,
        long seed,
        double noiseOffset,
        double snrGamma,
        int checkpointingSteps,
        String resumeFromCheckpoint,
        String validationPrompt,
        int validationSteps,
        int numValidationImages,
        boolean gradientCheckpointing,
        boolean use8bitAdam,
        Device device,
        DType dtype) {

    public TrainingArgs {
        if (resolution < 8 || resolution % 8 != 0) {
            throw new IllegalArgumentException("resolution must be a positive multiple of 8, got " + resolution);
        }
        if (trainBatchSize < 1 || gradientAccumulationSteps < 1 || maxTrainSteps < 1) {
            throw new IllegalArgumentException("train_batch_size, gradient_accumulation_steps and max_train_steps must be >= 1");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning_rate must be > 0, got " + learningRate);
        }
    }

    /** Instance images per optimisation step. */
    public int effectiveBatch() {
        return trainBatchSize * gradientAccumulationSteps;
    }

    /** The base learning rate, times the effective batch with {@code --scale_lr}, as the scripts do. */
    public double scaledLearningRate() {
        return scaleLr ? learningRate * effectiveBatch() : learningRate;
    }
}
