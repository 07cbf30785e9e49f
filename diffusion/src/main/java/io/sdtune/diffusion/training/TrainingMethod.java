package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * What distinguishes Textual Inversion, DreamBooth and LoRA inside the one training loop: which
 * tensors are trained, how they start, how the UNet's prediction is built around them, and which
 * artifact is written.
 */
public interface TrainingMethod {

    /** Readies the loaded model, e.g. adds placeholder tokens to its tokenizer. */
    default void prepare(StableDiffusion model) {
    }

    /** The caption of one training sample (the instance prompt, or a template filled with a placeholder). */
    default String prompt(String instancePrompt, SplittableRandom random) {
        return instancePrompt;
    }

    /**
     * What an image with its own caption ({@link ImageCaptions}) trains on, checked before the first step.
     *
     * @throws IllegalArgumentException when the caption cannot teach the method anything
     */
    default String caption(String caption) {
        return caption;
    }

    /**
     * The text encoder's last hidden state for {@code inputIds}, built into {@code g} (the scripts' {@code
     * encode_prompt}); base weights are named {@code text_encoder.<key>}.
     */
    Tensor encodePrompt(Graph g, StableDiffusion model, Tensor inputIds);

    /**
     * The UNet's noise (or velocity) prediction for a batch conditioned on {@code encoderHiddenStates}, built into
     * {@code g} in their dtype; base weights are named {@code unet.<key>}. By default the model's UNet as it is.
     */
    default Tensor predict(Graph g, StableDiffusion model, Tensor noisyLatents, Tensor timesteps,
            Tensor encoderHiddenStates) {
        DType dtype = encoderHiddenStates.dtype();
        return new UNet2DConditionModel(g, dtype, "unet", model.unetConfig())
                .forward(noisyLatents.cast(dtype), timesteps, encoderHiddenStates);
    }

    /** Whether this method trains the weight named {@code weightName} (e.g. {@code unet.<key>}). */
    boolean trains(String weightName);

    /**
     * Whether this method trains any of the text encoder. When it does not, the {@link Trainer} encodes each of the
     * run's prompts once before the first step (the instance prompt, the images' captions, the class prompt, the
     * empty prompt), as the DreamBooth scripts' {@code --pre_compute_text_embeddings}, so that the step holds no
     * text encoder; {@link #prompt} must then give the instance prompt as it is.
     */
    boolean trainsTextEncoder();

    /** Whether the method's script takes {@code --use_8bit_adam} (the DreamBooth scripts; textual_inversion.py not). */
    default boolean takes8bitAdam() {
        return true;
    }

    /** The weights of {@code g} this method trains (after {@link #predict}). */
    default List<Tensor> trainable(Graph g) {
        return g.weights().values().stream().filter(t -> trains(t.name())).toList();
    }

    /** Starting values of trainable tensors that are not base weights (e.g. LoRA matrices). */
    Map<String, TensorData> initialValues(Graph g, SplittableRandom random);

    /** Writes the artifact from the trained tensors' values (by graph name) into {@code outputDir}. */
    void save(Path outputDir, StableDiffusion model, Map<String, TensorData> trained);

    /**
     * Called after each optimisation step with the steps taken and the trained values so far (computed on
     * demand).
     */
    default void afterStep(int step, Path outputDir, StableDiffusion model, Supplier<Map<String, TensorData>> trained) {
    }

    /** Images from an artifact this method saved in {@code saved}, on top of the base {@code model}. */
    List<GeneratedImage> sample(Path saved, StableDiffusion model, GenerationParams params, Device device, DType dtype);
}
