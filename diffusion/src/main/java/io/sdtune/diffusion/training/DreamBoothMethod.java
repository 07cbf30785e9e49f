package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.pipeline.DiffusersFolder;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DreamBooth as diffusers' {@code train_dreambooth.py} does it (prior preservation, when asked for, is
 * the {@link Trainer}'s, see {@link PriorPreservation}): every UNet weight is trained on the instance prompt; the text encoder stays frozen unless {@code --train_text_encoder},
 * which trains all its weights too, at the same learning rate. The artifact is a whole diffusers pipeline
 * folder (the base model's other components and the new {@code unet/}, and {@code text_encoder/} when
 * trained), loadable by {@code sd generate} and by diffusers' {@code from_pretrained}.
 */
public final class DreamBoothMethod implements TrainingMethod {
    private static final String UNET = "unet.";
    private static final String TEXT_ENCODER = "text_encoder.";

    private final DType dtype;
    private final boolean trainTextEncoder;
    private final DType savePrecision;

    public DreamBoothMethod(DType dtype) {
        this(dtype, false);
    }

    public DreamBoothMethod(DType dtype, boolean trainTextEncoder) {
        this(dtype, trainTextEncoder, null);
    }

    /**
     * @param savePrecision the dtype every weight of the saved pipeline is written in (kohya's
     *                      {@code --save_precision}), or null for each as it is: the trained ones in float32, the
     *                      rest as the base model has them
     */
    public DreamBoothMethod(DType dtype, boolean trainTextEncoder, DType savePrecision) {
        this.dtype = dtype;
        this.trainTextEncoder = trainTextEncoder;
        this.savePrecision = savePrecision;
    }

    @Override
    public Tensor encodePrompt(Graph g, StableDiffusion model, Tensor inputIds) {
        return new ClipTextModel(g, dtype, "text_encoder", model.textEncoderConfig()).forward(inputIds);
    }

    @Override
    public boolean trainsTextEncoder() {
        return trainTextEncoder;
    }

    @Override
    public boolean trains(String weightName) {
        return weightName.startsWith(UNET) || trainTextEncoder && weightName.startsWith(TEXT_ENCODER);
    }

    @Override
    public Map<String, TensorData> initialValues(Graph g, SplittableRandom random) {
        return Map.of();
    }

    @Override
    public void save(Path outputDir, StableDiffusion model, Map<String, TensorData> trained) {
        // Trained text-encoder tensors replace the base ones in place: keys the graph does not use are kept.
        Map<String, TensorData> textEncoder = model.textEncoder().all();
        textEncoder.putAll(component(trained, TEXT_ENCODER));
        DiffusersFolder.write(outputDir,
                saved(new DiffusersFolder.Component(model.unetConfig().toJson(), component(trained, UNET))),
                saved(new DiffusersFolder.Component(model.vaeConfig().toJson(), model.vae().all())),
                saved(new DiffusersFolder.Component(model.textEncoderConfig().toJson(), textEncoder)),
                model.schedulerConfig());
    }

    private DiffusersFolder.Component saved(DiffusersFolder.Component c) {
        return savePrecision == null ? c : c.in(savePrecision);
    }

    @Override
    public List<GeneratedImage> sample(Path saved, StableDiffusion model, GenerationParams params, Device device,
            DType runDtype) {
        try (StableDiffusion trained = StableDiffusion.load(saved); Txt2Img pipeline = new Txt2Img(trained, device, runDtype)) {
            return pipeline.generate(params, null);
        }
    }

    /** The tensors named {@code <prefix><key>}, by key. */
    private static Map<String, TensorData> component(Map<String, TensorData> trained, String prefix) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        trained.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                tensors.put(name.substring(prefix.length()), value);
            }
        });
        return tensors;
    }
}
