package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Path;

/**
 * The settings the three methods share, named as the diffusers training scripts' flags; made with
 * {@link #builder}, which starts from the scripts' defaults and takes overrides by name. Each optimisation step averages the gradients of {@code gradientAccumulationSteps}
 * micro-batches of {@code trainBatchSize} images, computed one after another. {@code priorPreservation}
 * is null when the class prior is not preserved.
 * {@code checkpointingSteps} 0 saves no checkpoints; {@code resumeFromCheckpoint} is a checkpoint folder,
 * {@code "latest"}, or empty. With a {@code validationPrompt}, every {@code validationSteps} steps and at
 * the end {@code numValidationImages} images are drawn with the weights so far. {@code proportionEmptyPrompts} of the
 * samples train on the empty caption (diffusers' {@code --proportion_empty_prompts}), so that the model also learns the
 * unconditional prediction classifier-free guidance needs.
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
        double proportionEmptyPrompts,
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
        if (!(proportionEmptyPrompts >= 0 && proportionEmptyPrompts <= 1)) {
            throw new IllegalArgumentException("proportion_empty_prompts must be 0 to 1, got " + proportionEmptyPrompts);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning_rate must be > 0, got " + learningRate);
        }
    }

    /**
     * The settings of a run on {@code pretrainedModelNameOrPath}'s model, training on {@code instanceDataDir}'s images
     * with {@code instancePrompt} into {@code outputDir}, every other flag at the scripts' default (as {@code bin/sd}
     * declares them; the seed from 0, not random, so that a run repeats) until set; {@code maxTrainSteps} and
     * {@code learningRate}, whose defaults differ per script, must be set.
     */
    public static Builder builder(Path pretrainedModelNameOrPath, Path instanceDataDir, String instancePrompt,
            Path outputDir) {
        Builder b = new Builder();
        b.pretrainedModelNameOrPath = pretrainedModelNameOrPath;
        b.instanceDataDir = instanceDataDir;
        b.instancePrompt = instancePrompt;
        b.outputDir = outputDir;
        return b;
    }

    /** A builder holding these settings, to make others that differ in a few. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.pretrainedModelNameOrPath = pretrainedModelNameOrPath;
        b.instanceDataDir = instanceDataDir;
        b.instancePrompt = instancePrompt;
        b.priorPreservation = priorPreservation;
        b.outputDir = outputDir;
        b.resolution = resolution;
        b.crop = crop;
        b.randomFlip = randomFlip;
        b.trainBatchSize = trainBatchSize;
        b.gradientAccumulationSteps = gradientAccumulationSteps;
        b.maxTrainSteps = maxTrainSteps;
        b.learningRate = learningRate;
        b.scaleLr = scaleLr;
        b.lrScheduler = lrScheduler;
        b.lrWarmupSteps = lrWarmupSteps;
        b.adamBeta1 = adamBeta1;
        b.adamBeta2 = adamBeta2;
        b.adamWeightDecay = adamWeightDecay;
        b.adamEpsilon = adamEpsilon;
        b.maxGradNorm = maxGradNorm;
        b.seed = seed;
        b.noiseOffset = noiseOffset;
        b.snrGamma = snrGamma;
        b.proportionEmptyPrompts = proportionEmptyPrompts;
        b.checkpointingSteps = checkpointingSteps;
        b.resumeFromCheckpoint = resumeFromCheckpoint;
        b.validationPrompt = validationPrompt;
        b.validationSteps = validationSteps;
        b.numValidationImages = numValidationImages;
        b.gradientCheckpointing = gradientCheckpointing;
        b.use8bitAdam = use8bitAdam;
        b.device = device;
        b.dtype = dtype;
        return b;
    }

    /** {@link TrainingArgs} by name: each setter is the flag of that name. */
    public static final class Builder {
        private Path pretrainedModelNameOrPath;
        private Path instanceDataDir;
        private String instancePrompt;
        private PriorPreservation priorPreservation = null;
        private Path outputDir;
        private int resolution = 512;
        private InstanceImages.Crop crop = InstanceImages.Crop.RANDOM;
        private boolean randomFlip = false;
        private int trainBatchSize = 4;
        private int gradientAccumulationSteps = 1;
        private int maxTrainSteps;
        private double learningRate = Double.NaN;
        private boolean scaleLr = false;
        private String lrScheduler = "constant";
        private int lrWarmupSteps = 500;
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.999;
        private double adamWeightDecay = 1e-2;
        private double adamEpsilon = 1e-8;
        private double maxGradNorm = 1.0;
        private long seed = 0;
        private double noiseOffset = 0;
        private double snrGamma = 0;
        private double proportionEmptyPrompts = 0;
        private int checkpointingSteps = 500;
        private String resumeFromCheckpoint = "";
        private String validationPrompt = "";
        private int validationSteps = 100;
        private int numValidationImages = 4;
        private boolean gradientCheckpointing = false;
        private boolean use8bitAdam = false;
        private Device device = Device.CPU;
        private DType dtype = DType.FLOAT32;

        private Builder() {
        }

        public Builder pretrainedModelNameOrPath(Path pretrainedModelNameOrPath) {
            this.pretrainedModelNameOrPath = pretrainedModelNameOrPath;
            return this;
        }

        public Builder instanceDataDir(Path instanceDataDir) {
            this.instanceDataDir = instanceDataDir;
            return this;
        }

        public Builder instancePrompt(String instancePrompt) {
            this.instancePrompt = instancePrompt;
            return this;
        }

        public Builder priorPreservation(PriorPreservation priorPreservation) {
            this.priorPreservation = priorPreservation;
            return this;
        }

        public Builder outputDir(Path outputDir) {
            this.outputDir = outputDir;
            return this;
        }

        public Builder resolution(int resolution) {
            this.resolution = resolution;
            return this;
        }

        public Builder crop(InstanceImages.Crop crop) {
            this.crop = crop;
            return this;
        }

        public Builder randomFlip(boolean randomFlip) {
            this.randomFlip = randomFlip;
            return this;
        }

        public Builder trainBatchSize(int trainBatchSize) {
            this.trainBatchSize = trainBatchSize;
            return this;
        }

        public Builder gradientAccumulationSteps(int gradientAccumulationSteps) {
            this.gradientAccumulationSteps = gradientAccumulationSteps;
            return this;
        }

        public Builder maxTrainSteps(int maxTrainSteps) {
            this.maxTrainSteps = maxTrainSteps;
            return this;
        }

        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder scaleLr(boolean scaleLr) {
            this.scaleLr = scaleLr;
            return this;
        }

        public Builder lrScheduler(String lrScheduler) {
            this.lrScheduler = lrScheduler;
            return this;
        }

        public Builder lrWarmupSteps(int lrWarmupSteps) {
            this.lrWarmupSteps = lrWarmupSteps;
            return this;
        }

        public Builder adamBeta1(double adamBeta1) {
            this.adamBeta1 = adamBeta1;
            return this;
        }

        public Builder adamBeta2(double adamBeta2) {
            this.adamBeta2 = adamBeta2;
            return this;
        }

        public Builder adamWeightDecay(double adamWeightDecay) {
            this.adamWeightDecay = adamWeightDecay;
            return this;
        }

        public Builder adamEpsilon(double adamEpsilon) {
            this.adamEpsilon = adamEpsilon;
            return this;
        }

        public Builder maxGradNorm(double maxGradNorm) {
            this.maxGradNorm = maxGradNorm;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder noiseOffset(double noiseOffset) {
            this.noiseOffset = noiseOffset;
            return this;
        }

        public Builder snrGamma(double snrGamma) {
            this.snrGamma = snrGamma;
            return this;
        }

        public Builder proportionEmptyPrompts(double proportionEmptyPrompts) {
            this.proportionEmptyPrompts = proportionEmptyPrompts;
            return this;
        }

        public Builder checkpointingSteps(int checkpointingSteps) {
            this.checkpointingSteps = checkpointingSteps;
            return this;
        }

        public Builder resumeFromCheckpoint(String resumeFromCheckpoint) {
            this.resumeFromCheckpoint = resumeFromCheckpoint;
            return this;
        }

        public Builder validationPrompt(String validationPrompt) {
            this.validationPrompt = validationPrompt;
            return this;
        }

        public Builder validationSteps(int validationSteps) {
            this.validationSteps = validationSteps;
            return this;
        }

        public Builder numValidationImages(int numValidationImages) {
            this.numValidationImages = numValidationImages;
            return this;
        }

        public Builder gradientCheckpointing(boolean gradientCheckpointing) {
            this.gradientCheckpointing = gradientCheckpointing;
            return this;
        }

        public Builder use8bitAdam(boolean use8bitAdam) {
            this.use8bitAdam = use8bitAdam;
            return this;
        }

        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        public Builder dtype(DType dtype) {
            this.dtype = dtype;
            return this;
        }

        /** @throws IllegalArgumentException as the record's checks, e.g. for a step count or learning rate not set */
        public TrainingArgs build() {
            return new TrainingArgs(pretrainedModelNameOrPath, instanceDataDir, instancePrompt, priorPreservation,
                    outputDir, resolution, crop, randomFlip, trainBatchSize, gradientAccumulationSteps, maxTrainSteps, learningRate, scaleLr,
                    lrScheduler, lrWarmupSteps, adamBeta1, adamBeta2, adamWeightDecay, adamEpsilon, maxGradNorm, seed,
                    noiseOffset, snrGamma, proportionEmptyPrompts, checkpointingSteps, resumeFromCheckpoint, validationPrompt,
                    validationSteps,
                    numValidationImages, gradientCheckpointing, use8bitAdam, device, dtype);
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
