package io.sdtune.trainer;

import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.training.HyperParameters;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Syntax;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.training.DreamBoothMethod;
import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.LoraMethod;
import io.sdtune.diffusion.training.PriorPreservation;
import io.sdtune.diffusion.training.TextualInversionMethod;
import io.sdtune.diffusion.training.TrainingArgs;
import io.sdtune.diffusion.training.TrainingMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request as the engine runs it: the diffusers flags of its hyper-parameters (the seed's defaults
 * filled in) as {@link TrainingArgs}, the method, and what the adapter will be announced as. Settings the
 * request leaves to the trainer are those of the {@code bin/sd} command of the method: Textual Inversion
 * resizes whole images and flips them at random, LoRA and DreamBooth take random crops.
 */
record EngineSetup(TrainingArgs args, TrainingMethod method, AdapterKind kind, List<String> triggerTokens) {
    private static final Pattern PROMPT_PLACEHOLDER = Pattern.compile("<[^<>\\s]+>");
    /** As the scripts' {@code --sample_batch_size} default, for class images of prior preservation. */
    private static final int SAMPLE_BATCH_SIZE = 4;

    static EngineSetup of(TrainingRequest request, Path model, JobWorkspace workspace, Device device) {
        HyperParameters h = request.withDefaults().hyperParameters();
        DType dtype = "fp16".equals(h.mixedPrecision()) ? DType.FLOAT16 : DType.FLOAT32;
        boolean textualInversion = request.method() == io.sdtune.contracts.training.TrainingMethod.TEXTUAL_INVERSION;
        PriorPreservation prior = Boolean.TRUE.equals(h.withPriorPreservation())
                ? new PriorPreservation(workspace.classImages(), request.classPrompt(), h.numClassImages(),
                        h.priorLossWeight(), SAMPLE_BATCH_SIZE, device.kind() == Device.Kind.CUDA ? DType.FLOAT16 : DType.FLOAT32)
                : null;
        String validationPrompt = request.validationPrompt() == null ? "" : request.validationPrompt();
        // Resumes from the checkpoint JobRunner restored from the store, if any.
        TrainingArgs args = TrainingArgs.builder(model, workspace.images(),
                        textualInversion ? "" : request.instancePrompt(), workspace.output())
                .priorPreservation(prior)
                .resolution(h.resolution())
                .crop(textualInversion ? InstanceImages.Crop.RESIZE : InstanceImages.Crop.RANDOM)
                .randomFlip(textualInversion)
                .trainBatchSize(h.trainBatchSize())
                .gradientAccumulationSteps(h.gradientAccumulationSteps())
                .maxTrainSteps(h.maxTrainSteps())
                .learningRate(h.learningRate())
                .scaleLr(h.scaleLr())
                .lrScheduler(h.lrScheduler())
                .lrWarmupSteps(h.lrWarmupSteps())
                .adamBeta1(h.adamBeta1())
                .adamBeta2(h.adamBeta2())
                .adamWeightDecay(h.adamWeightDecay())
                .adamEpsilon(h.adamEpsilon())
                .maxGradNorm(h.maxGradNorm())
                .seed(h.seed())
                .noiseOffset(h.noiseOffset())
                .snrGamma(h.snrGamma())
                .checkpointingSteps(h.checkpointingSteps())
                .resumeFromCheckpoint(Files.isDirectory(workspace.checkpoint()) ? workspace.checkpoint().toString() : "")
                .validationPrompt(validationPrompt)
                .validationSteps(h.validationSteps())
                .numValidationImages(h.numValidationImages())
                .gradientCheckpointing(h.gradientCheckpointing())
                .use8bitAdam(Boolean.TRUE.equals(h.use8bitAdam()))
                .device(device)
                .dtype(dtype)
                .build();
        return switch (request.method()) {
            case LORA -> new EngineSetup(args, new LoraMethod(h.rank(), h.loraConvRank(),
                    Boolean.TRUE.equals(h.trainTextEncoder()), dtype),
                    AdapterKind.LORA, placeholdersOf(request.instancePrompt()));
            case DREAMBOOTH -> new EngineSetup(args, new DreamBoothMethod(dtype, Boolean.TRUE.equals(h.trainTextEncoder())),
                    AdapterKind.FULL_UNET, placeholdersOf(request.instancePrompt()));
            case TEXTUAL_INVERSION -> {
                TextualInversionMethod method = new TextualInversionMethod(request.placeholderToken(),
                        request.initializerToken(), h.numVectors(), h.learnableProperty(), dtype);
                yield new EngineSetup(args, method, AdapterKind.EMBEDDING, method.tokens());
            }
        };
    }

    /** The {@code <token>}s a LoRA or DreamBooth prompt names its subject with: what a user writes to call it up. */
    static List<String> placeholdersOf(String prompt) {
        Matcher m = PROMPT_PLACEHOLDER.matcher(prompt);
        return m.results().map(r -> r.group()).filter(Syntax.PLACEHOLDER_TOKEN::matches).distinct()
                .limit((long) Limits.TRIGGER_TOKENS.max()).toList();
    }
}
