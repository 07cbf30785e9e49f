package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.pipeline.DiffusersFolder;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.WeightSource;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DreamBooth as diffusers' {@code train_dreambooth.py} does it without prior preservation: every UNet
 * weight is trained on the instance prompt, the text encoder stays frozen. The artifact is a whole
 * diffusers pipeline folder (the base model's other components and the new {@code unet/}), loadable
 * by {@code sd generate} and by diffusers' {@code from_pretrained}.
 */
public final class DreamBoothMethod implements TrainingMethod {
    private static final String UNET = "unet.";

    private final DType dtype;

    public DreamBoothMethod(DType dtype) {
        this.dtype = dtype;
    }

    @Override
    public Tensor predict(Graph g, StableDiffusion model, Tensor noisyLatents, Tensor timesteps, Tensor inputIds) {
        Tensor text = new ClipTextModel(g, dtype, "text_encoder", model.textEncoderConfig()).forward(inputIds);
        return new UNet2DConditionModel(g, dtype, "unet", model.unetConfig()).forward(noisyLatents.cast(dtype), timesteps, text);
    }

    @Override
    public List<Tensor> trainable(Graph g) {
        return g.weights().values().stream().filter(t -> t.name().startsWith(UNET)).toList();
    }

    @Override
    public Map<String, TensorData> initialValues(Graph g, SplittableRandom random) {
        return Map.of();
    }

    @Override
    public void save(Path outputDir, StableDiffusion model, Map<String, TensorData> trained) {
        Map<String, TensorData> unet = new LinkedHashMap<>();
        trained.forEach((name, value) -> unet.put(name.substring(UNET.length()), value));
        DiffusersFolder.write(outputDir,
                new DiffusersFolder.Component(model.unetConfig().toJson(), unet),
                new DiffusersFolder.Component(model.vaeConfig().toJson(), all(model.vae())),
                new DiffusersFolder.Component(model.textEncoderConfig().toJson(), all(model.textEncoder())));
    }

    @Override
    public List<GeneratedImage> sample(Path saved, StableDiffusion model, GenerationParams params, Device device,
            DType runDtype) {
        try (StableDiffusion trained = StableDiffusion.load(saved); Txt2Img pipeline = new Txt2Img(trained, device, runDtype)) {
            return pipeline.generate(params, null);
        }
    }

    private static Map<String, TensorData> all(WeightSource source) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        source.keys().forEach(k -> tensors.put(k, source.get(k)));
        return tensors;
    }
}
