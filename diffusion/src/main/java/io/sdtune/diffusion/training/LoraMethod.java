package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.Lora;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.LoraStack;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.LoraFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoRA as {@code train_dreambooth_lora.py} does it: rank-r branches on the UNet attention projections
 * ({@code to_q, to_k, to_v, to_out.0} of {@code attn1} and {@code attn2}), alpha = rank, A drawn from
 * N(0, 1/r²) and B zero (PEFT's "gaussian" init), so training starts from the base model exactly; with
 * {@code --train_text_encoder} also on the text encoder's self-attention projections ({@code q_proj, k_proj,
 * v_proj, out_proj}), same rank; with {@code --lora_conv_rank} also on the UNet's 3x3 convolutions that kohya's
 * LoCon adapts (ResNet blocks, samplers; alpha = their rank, A drawn from N(0, 1/r²) too). The artifact is
 * {@code pytorch_lora_weights.safetensors} with the script's keys, {@code unet.<layer>.lora.down.weight} and
 * {@code unet.<layer>.lora.up.weight}, and {@code text_encoder.<layer>.lora_linear_layer.down.weight} ... for the
 * text encoder, or, with convolutions, kohya's keys as kohya writes a LoCon ({@code lora_unet_<layer>.lora_down.weight},
 * {@code lora_up}, {@code alpha}; see {@link LoraFile#preferredLayout}).
 */
public final class LoraMethod implements TrainingMethod {
    public static final String ARTIFACT = "pytorch_lora_weights.safetensors";

    private final Lora lora;
    private final Lora textEncoderLora;
    private final DType dtype;

    public LoraMethod(int rank, DType dtype) {
        this(rank, 0, false, dtype);
    }

    /**
     * With a {@code convRank} (0: none) the UNet's LoCon convolutions get branches of that rank; with
     * {@code trainTextEncoder}, the text encoder gets LoRA branches of {@code rank} too.
     */
    public LoraMethod(int rank, int convRank, boolean trainTextEncoder, DType dtype) {
        this.lora = Lora.unetAttention(rank).withConvolutions(convRank);
        this.textEncoderLora = trainTextEncoder ? Lora.textEncoderAttention(rank) : null;
        this.dtype = dtype;
    }

    @Override
    public Tensor encodePrompt(Graph g, StableDiffusion model, Tensor inputIds) {
        return new ClipTextModel(g, dtype, "text_encoder", model.textEncoderConfig(), 0, textEncoderLora)
                .forward(inputIds);
    }

    @Override
    public Tensor predict(Graph g, StableDiffusion model, Tensor noisyLatents, Tensor timesteps,
            Tensor encoderHiddenStates) {
        return new UNet2DConditionModel(g, dtype, "unet", model.unetConfig(), lora)
                .forward(noisyLatents.cast(dtype), timesteps, encoderHiddenStates);
    }

    @Override
    public boolean trainsTextEncoder() {
        return textEncoderLora != null;
    }

    @Override
    public boolean trains(String weightName) {
        return weightName.contains(".lora_");
    }

    @Override
    public Map<String, TensorData> initialValues(Graph g, SplittableRandom random) {
        Map<String, TensorData> values = new LinkedHashMap<>();
        for (Tensor t : trainable(g)) {
            TensorData d = TensorData.allocate(t.dtype(), t.shape());
            if (t.name().endsWith("lora_A.weight")) {
                int rank = (int) t.shape().dim(0);
                for (long i = 0; i < d.size(); i++) {
                    d.set(i, gaussian(random) / rank);
                }
            }
            values.put(t.name(), d);
        }
        return values;
    }

    @Override
    public void save(Path outputDir, StableDiffusion model, Map<String, TensorData> trained) {
        Path artifact = outputDir.resolve(ARTIFACT);
        try {
            Files.createDirectories(outputDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + artifact + ": " + e.getMessage(), e);
        }
        LoraFile lora = LoraFile.of(artifact, trained, model.loraLayers());
        lora.write(artifact, lora.preferredLayout());
    }

    @Override
    public List<GeneratedImage> sample(Path saved, StableDiffusion model, GenerationParams params, Device device,
            DType runDtype) {
        LoraFile file = LoraFile.read(saved.resolve(ARTIFACT), model.loraLayers());
        Adapters adapters = new Adapters(new LoraStack(List.of(new LoraStack.Applied(file, 1))), List.of());
        try (Txt2Img pipeline = new Txt2Img(model, device, runDtype)) {
            return pipeline.generate(params, adapters, null);
        }
    }

    static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
