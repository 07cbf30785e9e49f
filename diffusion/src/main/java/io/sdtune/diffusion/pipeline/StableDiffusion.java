package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.ConfigFile;
import io.sdtune.diffusion.nn.Conv2d;
import io.sdtune.diffusion.nn.Linear;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import io.sdtune.diffusion.scheduler.SchedulerConfig;
import io.sdtune.diffusion.tokenizer.ClipTokenizer;
import io.sdtune.diffusion.weights.LdmCheckpoint;
import io.sdtune.diffusion.weights.LdmCheckpointWriter;
import io.sdtune.diffusion.weights.LdmKeys;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.SafeTensorsWeights;
import io.sdtune.diffusion.weights.WeightSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Stable Diffusion model as loaded from disk: the configs of its components, its tokenizer, its
 * scheduler's config and where each component's weights are. Either a diffusers folder
 * ({@code model_index.json}, {@code unet/}, {@code vae/}, {@code text_encoder/}, {@code tokenizer/},
 * {@code scheduler/}) or a single-file SD 1.x or 2.x checkpoint ({@code .safetensors} in the original naming,
 * with SD 1.5's or SD 2.x's configs, told apart by the cross-attention width and, for SD 2.x, by probing its UNet;
 * or a folder's). Weights are memory-mapped; nothing is read until a session binds it.
 */
public final class StableDiffusion implements AutoCloseable {
    /** The level transformers 4 puts the CLIP text model's weights under. */
    private static final String TEXT_MODEL = "text_model.";

    private final String name;
    private final UNet2DConditionConfig unetConfig;
    private final AutoencoderKLConfig vaeConfig;
    private final ClipTextConfig textEncoderConfig;
    private final SchedulerConfig schedulerConfig;
    private final ClipTokenizer tokenizer;
    private final WeightSource unet;
    private final WeightSource vae;
    private final WeightSource textEncoder;
    private final AutoCloseable storage;

    private StableDiffusion(String name, UNet2DConditionConfig unetConfig, AutoencoderKLConfig vaeConfig,
            ClipTextConfig textEncoderConfig, SchedulerConfig schedulerConfig, ClipTokenizer tokenizer, WeightSource unet,
            WeightSource vae, WeightSource textEncoder, AutoCloseable storage) {
        this.name = name;
        this.unetConfig = unetConfig;
        this.vaeConfig = vaeConfig;
        this.textEncoderConfig = textEncoderConfig;
        this.schedulerConfig = schedulerConfig;
        this.tokenizer = tokenizer;
        this.unet = unet;
        this.vae = vae;
        this.textEncoder = textEncoder;
        this.storage = storage;
    }

    /** Loads a diffusers folder or a single-file checkpoint. */
    public static StableDiffusion load(Path path) {
        if (Files.isDirectory(path)) {
            return loadFolder(path);
        }
        if (Files.isRegularFile(path) && path.toString().endsWith(".safetensors")) {
            return loadSingleFile(path, null);
        }
        throw new IllegalArgumentException(path + " is neither a diffusers model folder nor a .safetensors checkpoint"
                + (Files.exists(path) ? "" : " (it does not exist)"));
    }

    /**
     * A single-file checkpoint of another architecture than SD 1.5: configs, tokenizer and scheduler
     * come from {@code configFolder}, a diffusers folder whose weights are not read (diffusers'
     * {@code from_single_file(..., config=...)}).
     */
    public static StableDiffusion load(Path checkpoint, Path configFolder) {
        return loadSingleFile(checkpoint, Configs.read(configFolder));
    }

    /** Everything but the weights. */
    private record Configs(UNet2DConditionConfig unet, AutoencoderKLConfig vae, ClipTextConfig textEncoder,
            SchedulerConfig scheduler, ClipTokenizer tokenizer) {

        static Configs read(Path dir) {
            if (!Files.isRegularFile(dir.resolve("model_index.json")) && !Files.isDirectory(dir.resolve("unet"))) {
                throw new IllegalArgumentException(dir + " is not a diffusers model folder: it has no model_index.json");
            }
            return new Configs(UNet2DConditionConfig.read(ConfigFile.read(dir.resolve("unet/config.json"))),
                    AutoencoderKLConfig.read(ConfigFile.read(dir.resolve("vae/config.json"))),
                    ClipTextConfig.read(ConfigFile.read(dir.resolve("text_encoder/config.json"))),
                    SchedulerConfig.read(dir.resolve("scheduler/scheduler_config.json")),
                    ClipTokenizer.load(dir.resolve("tokenizer")));
        }

        static Configs sd15() {
            return new Configs(UNet2DConditionConfig.sd15(), AutoencoderKLConfig.sd15(), ClipTextConfig.sd15(),
                    SchedulerConfig.sd15(), ClipTokenizer.bundled());
        }

        /** SD 2.1's (the 768 px v-prediction model). */
        static Configs sd21() {
            return new Configs(UNet2DConditionConfig.sd21(), AutoencoderKLConfig.sd15(), ClipTextConfig.sd2(),
                    SchedulerConfig.sd21(), ClipTokenizer.bundledSd2());
        }

        /** SD 2.x's 512 px models (2.0-base, 2.1-base): SD 2.1's at 512 px, predicting the noise. */
        static Configs sd2Base() {
            Configs sd21 = sd21();
            return new Configs(sd21.unet().withSampleSize(64), sd21.vae(), sd21.textEncoder(), SchedulerConfig.sd2Base(),
                    sd21.tokenizer());
        }
    }

    private static StableDiffusion loadFolder(Path dir) {
        Configs c = Configs.read(dir);
        List<AutoCloseable> open = new ArrayList<>();
        WeightSource unet = component(dir, "unet", "diffusion_pytorch_model", open);
        WeightSource vae = component(dir, "vae", "diffusion_pytorch_model", open);
        WeightSource text = textEncoder(component(dir, "text_encoder", "model", open));
        return new StableDiffusion(dir.getFileName().toString(), c.unet(), c.vae(), c.textEncoder(), c.scheduler(),
                c.tokenizer(), unet, vae, text, () -> {
                    for (AutoCloseable closeable : open) {
                        closeable.close();
                    }
                });
    }

    /**
     * The text encoder under transformers 4's keys ({@code text_model.*}, which the engine uses): transformers 5
     * saves {@code CLIPTextModel} without that level, and such a file is read with the prefix put back.
     */
    private static SafeTensorsWeights textEncoder(SafeTensorsWeights file) {
        return file.keys().stream().anyMatch(k -> k.startsWith(TEXT_MODEL)) ? file : file.withPrefix(TEXT_MODEL);
    }

    /** {@code <dir>/<component>/<stem>.safetensors}, or its {@code .fp16} variant. */
    private static SafeTensorsWeights component(Path dir, String component, String stem, List<AutoCloseable> open) {
        Path folder = dir.resolve(component);
        for (String file : List.of(stem + ".safetensors", stem + ".fp16.safetensors")) {
            if (Files.isRegularFile(folder.resolve(file))) {
                SafeTensorsWeights w = SafeTensorsWeights.open(folder.resolve(file));
                open.add(w);
                return w;
            }
        }
        if (Files.isRegularFile(folder.resolve(stem + ".bin"))) {
            throw new IllegalArgumentException(folder.resolve(stem + ".bin") + ": PyTorch pickle weights are not read "
                    + "(they can run code); convert them to " + stem + ".safetensors");
        }
        throw new IllegalArgumentException("missing model file " + folder.resolve(stem + ".safetensors"));
    }

    /**
     * With {@code given} null, SD 1.5's configs, or for SD 2.x's cross-attention width (1024) SD 2.1's or, when its UNet
     * predicts the noise ({@link #predictsVelocity}), those of SD 2.x's 512 px models.
     */
    private static StableDiffusion loadSingleFile(Path file, Configs given) {
        LdmCheckpoint checkpoint = LdmCheckpoint.open(file);
        Shape crossAttention = checkpoint.storedShape(
                LdmKeys.UNET_PREFIX + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight");
        boolean sd2 = crossAttention != null && crossAttention.dim(1) == UNet2DConditionConfig.sd21().crossAttentionDim();
        UNet2DConditionConfig sd21 = UNet2DConditionConfig.sd21();
        Configs c = given != null ? given
                : !sd2 ? Configs.sd15()
                : predictsVelocity(sd21, checkpoint.unet(sd21, unetKeys(sd21))) ? Configs.sd21() : Configs.sd2Base();
        if (crossAttention == null || crossAttention.dim(1) != c.unet().crossAttentionDim()) {
            checkpoint.close();
            throw new IllegalArgumentException(file + ": not a Stable Diffusion checkpoint of this architecture (its "
                    + "cross-attention width is " + (crossAttention == null ? "missing" : crossAttention.dim(1))
                    + ", expected " + c.unet().crossAttentionDim() + ")");
        }
        return new StableDiffusion(file.getFileName().toString().replaceFirst("\\.safetensors$", ""), c.unet(), c.vae(),
                c.textEncoder(), c.scheduler(), c.tokenizer(), checkpoint.unet(c.unet(), unetKeys(c.unet())),
                checkpoint.vae(c.vae(), vaeKeys(c.vae())), checkpoint.textEncoder(textEncoderKeys(c.textEncoder())),
                checkpoint);
    }

    /**
     * Whether a UNet predicts the velocity rather than the noise, told as AUTOMATIC1111 tells an SD 2.x checkpoint's
     * ({@code is_using_v_parameterization_for_sd2}): run once in float32 on the CPU on latents of 0.5 ({@code [1, 4, 8,
     * 8]}) at timestep 999 with a context of 0.5 ({@code [1, 2, cross_attention_dim]}), a v-prediction UNet's output
     * is below its input by more than 1 on average (at that noise level the velocity is about minus the image,
     * where the noise is not).
     */
    static boolean predictsVelocity(UNet2DConditionConfig c, WeightSource unet) {
        Graph g = Graph.create();
        Tensor sample = g.input("sample", DType.FLOAT32, Shape.of(1, c.inChannels(), 8, 8));
        Tensor timestep = g.input("timestep", DType.FLOAT32, Shape.of(1));
        Tensor context = g.input("context", DType.FLOAT32, Shape.of(1, 2, c.crossAttentionDim()));
        Tensor out = new UNet2DConditionModel(g, DType.FLOAT32, "", c).forward(sample, timestep, context);
        Program probe = new Program(Map.of("sample", sample, "timestep", timestep, "context", context), Map.of("out", out));
        try (Session session = Session.create(probe, name -> unet.get(name, DType.FLOAT32), Device.CPU)) {
            float[] y = session.run(Map.of("sample", filled(sample.shape(), 0.5), "timestep",
                    filled(timestep.shape(), 999), "context", filled(context.shape(), 0.5))).get("out").toFloatArray();
            double mean = 0;
            for (float v : y) {
                mean += (v - 0.5) / y.length;
            }
            return mean < -1;
        }
    }

    private static TensorData filled(Shape shape, double value) {
        TensorData t = TensorData.allocate(DType.FLOAT32, shape);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, value);
        }
        return t;
    }

    static Set<String> unetKeys(UNet2DConditionConfig c) {
        Graph g = Graph.create();
        new UNet2DConditionModel(g, DType.FLOAT32, "", c);
        return g.weights().keySet();
    }

    static Set<String> vaeKeys(AutoencoderKLConfig c) {
        Graph g = Graph.create();
        new AutoencoderKL(g, DType.FLOAT32, "", c);
        return g.weights().keySet();
    }

    static Set<String> textEncoderKeys(ClipTextConfig c) {
        Graph g = Graph.create();
        new ClipTextModel(g, DType.FLOAT32, "", c);
        return g.weights().keySet();
    }

    /**
     * Each component's layers a LoRA may adapt, by module path, with the shape of their weight: every linear layer
     * ({@code [out, in]}, where LoRA branches can attach) and the UNet's convolutions ({@code [out, in, kh, kw]},
     * kohya's LoCon).
     */
    public Map<LoraFile.Component, Map<String, Shape>> loraLayers() {
        return loraLayers(unetConfig, textEncoderConfig);
    }

    /** The layers a LoRA may adapt in a UNet and a text encoder of these configurations, with their weights' shapes. */
    public static Map<LoraFile.Component, Map<String, Shape>> loraLayers(UNet2DConditionConfig unet,
            ClipTextConfig textEncoder) {
        return Map.of(LoraFile.Component.UNET, layers(new UNet2DConditionModel(Graph.create(), DType.FLOAT32, "", unet)),
                LoraFile.Component.TEXT_ENCODER, layers(new ClipTextModel(Graph.create(), DType.FLOAT32, "", textEncoder)));
    }

    /** The linear layers and convolutions of a model, by path, with their weights' shapes. */
    private static Map<String, Shape> layers(Module model) {
        Map<String, Shape> layers = new TreeMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Linear linear) {
                layers.put(path, linear.weight().shape());
            } else if (m instanceof Conv2d conv) {
                layers.put(path, conv.weight().shape());
            }
        });
        return layers;
    }

    /**
     * This model as one SD 1.x checkpoint in the original naming, to be written or streamed (what diffusers'
     * {@code convert_diffusers_to_original_stable_diffusion.py} makes of a folder). The weights are read while it is
     * written: keep this model open until then.
     */
    public LdmCheckpointWriter ldmCheckpoint(boolean half) {
        return LdmCheckpointWriter.of(unetConfig, unet, vaeConfig, vae, textEncoderConfig, textEncoder, half);
    }

    /** The folder's or checkpoint file's name, recorded in generated images. */
    public String name() {
        return name;
    }

    public UNet2DConditionConfig unetConfig() {
        return unetConfig;
    }

    public AutoencoderKLConfig vaeConfig() {
        return vaeConfig;
    }

    public ClipTextConfig textEncoderConfig() {
        return textEncoderConfig;
    }

    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public WeightSource unet() {
        return unet;
    }

    public WeightSource vae() {
        return vae;
    }

    public WeightSource textEncoder() {
        return textEncoder;
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + name + ": " + e.getMessage(), e);
        }
    }
}
