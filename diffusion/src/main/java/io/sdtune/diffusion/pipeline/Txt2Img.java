package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.Lora;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import io.sdtune.diffusion.scheduler.NoiseSource;
import io.sdtune.diffusion.scheduler.Scheduler;
import io.sdtune.diffusion.scheduler.Schedulers;
import io.sdtune.diffusion.scheduler.SeededNoise;
import io.sdtune.diffusion.tokenizer.Encoding;
import io.sdtune.diffusion.weights.WeightSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Text to image, as diffusers' {@code StableDiffusionPipeline}: encode the prompt and the negative
 * prompt, denoise seeded latents with classifier-free guidance under the chosen scheduler, decode
 * with the VAE. Sessions for the text encoder, the UNet (with the guidance combination inside its
 * graph) and the VAE decoder are built once per size and batch and kept; the model's weights are
 * bound to them without copies.
 */
public final class Txt2Img implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Txt2Img.class.getName());

    private final StableDiffusion model;
    private final Device device;
    private final DType dtype;
    private final Map<String, Session> sessions = new HashMap<>();
    private final Map<String, UnetProgram> unets = new HashMap<>();

    public Txt2Img(StableDiffusion model, Device device, DType dtype) {
        this.model = model;
        this.device = device;
        this.dtype = dtype;
    }

    /** Called after every denoising step (step is 1-based). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int step, int totalSteps);
    }

    public List<GeneratedImage> generate(GenerationParams p, StepListener listener) {
        return generate(p, LoraStack.none(), listener);
    }

    /** Text to image with LoRA adapters applied to the UNet. */
    public List<GeneratedImage> generate(GenerationParams p, LoraStack loras, StepListener listener) {
        int factor = model.vaeConfig().downscale();
        int h = p.height() / factor;
        int w = p.width() / factor;
        int n = p.numImages();
        int channels = model.unetConfig().inChannels();
        boolean guided = p.guidanceScale() > 1;

        TensorData text = encodePrompts(p, n, guided);
        Scheduler scheduler = Schedulers.create(p.scheduler(), model.schedulerConfig());
        scheduler.setTimesteps(p.numInferenceSteps());
        float[] latents = initialLatents(p, n * channels * h * w, scheduler.initNoiseSigma());
        NoiseSource noise = new SeededNoise(p.seed());
        UnetProgram unet = unetSession(n, h, w, guided, loras.capacity());
        Map<String, TensorData> loraFeeds = loras.feeds(unet.loraInputs(), dtype);
        Shape latentShape = Shape.of(n, channels, h, w);
        float[] timesteps = scheduler.timesteps();
        for (int i = 0; i < timesteps.length; i++) {
            Map<String, TensorData> feeds = new LinkedHashMap<>();
            feeds.put("sample", floats(latentShape, scheduler.scaleModelInput(latents, i)));
            feeds.put("timestep", TensorData.of(DType.FLOAT32, Shape.of(1), timesteps[i]));
            feeds.put("encoder_hidden_states", text);
            feeds.put("guidance_scale", TensorData.scalar(DType.FLOAT32, p.guidanceScale()));
            feeds.putAll(loraFeeds);
            float[] noisePred = unet.session().run(guided ? feeds : withoutGuidance(feeds)).get("noise_pred").toFloatArray();
            latents = scheduler.step(noisePred, i, latents, noise);
            if (listener != null) {
                listener.onStep(i + 1, timesteps.length);
            }
        }
        TensorData images = vaeSession(n, h, w).run(Map.of("latents", floats(latentShape, latents))).get("image");
        return GeneratedImage.fromDecoded(images, p, model.name());
    }

    private TensorData encodePrompts(GenerationParams p, int n, boolean guided) {
        Encoding cond = encode(p.prompt());
        List<long[]> rows = new ArrayList<>();
        if (guided) {
            Encoding uncond = encode(p.negativePrompt());
            for (int i = 0; i < n; i++) {
                rows.add(uncond.inputIds());
            }
        }
        for (int i = 0; i < n; i++) {
            rows.add(cond.inputIds());
        }
        int length = model.tokenizer().maxLength();
        long[] ids = new long[rows.size() * length];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, ids, r * length, length);
        }
        Session encoder = sessions.computeIfAbsent("text_encoder:" + rows.size(), k -> textEncoderSession(rows.size(), length));
        return encoder.run(Map.of("input_ids", TensorData.ofLongs(ids, rows.size(), length))).get("last_hidden_state");
    }

    private Encoding encode(String prompt) {
        Encoding e = model.tokenizer().encode(prompt);
        if (e.truncated()) {
            LOG.log(System.Logger.Level.WARNING, "The following part of your input was truncated because CLIP can only "
                    + "handle sequences up to " + model.tokenizer().maxLength() + " tokens: " + e.droppedText());
        }
        return e;
    }

    private static float[] initialLatents(GenerationParams p, int count, float sigma) {
        if (p.latents() != null) {
            if (p.latents().size() != count) {
                throw new IllegalArgumentException("--latents has shape " + p.latents().shape() + " but " + count
                        + " values are needed (" + p.numImages() + " x 4 x height/8 x width/8)");
            }
            float[] given = p.latents().toFloatArray();
            for (int i = 0; i < given.length; i++) {
                given[i] *= sigma;
            }
            return given;
        }
        // One seed per image, as AUTOMATIC1111 does: image i of a batch is image 0 of seed + i.
        float[] latents = new float[count];
        int perImage = count / p.numImages();
        for (int i = 0; i < p.numImages(); i++) {
            float[] x = new SeededNoise(p.seed() + i).standardNormal(perImage);
            for (int j = 0; j < perImage; j++) {
                latents[i * perImage + j] = x[j] * sigma;
            }
        }
        return latents;
    }

    private Session textEncoderSession(int batch, int length) {
        Graph g = Graph.create();
        Tensor ids = g.input("input_ids", DType.INT64, Shape.of(batch, length));
        Tensor hidden = new ClipTextModel(g, dtype, "", model.textEncoderConfig()).forward(ids);
        return bind(new Program(Map.of("input_ids", ids), Map.of("last_hidden_state", hidden)), model.textEncoder());
    }

    /** The UNet session and the LoRA inputs its graph takes (none without a LoRA capacity). */
    private record UnetProgram(Session session, List<Tensor> loraInputs) {
    }

    private UnetProgram unetSession(int n, int h, int w, boolean guided, int loraCapacity) {
        String key = "unet:" + n + "x" + h + "x" + w + (guided ? ":cfg" : "") + ":lora" + loraCapacity;
        return unets.computeIfAbsent(key, k -> {
            Graph g = Graph.create();
            int copies = guided ? 2 : 1;
            int context = model.unetConfig().crossAttentionDim();
            Tensor sample = g.input("sample", DType.FLOAT32, Shape.of(n, model.unetConfig().inChannels(), h, w));
            Tensor timestep = g.input("timestep", DType.FLOAT32, Shape.of(1));
            Shape textShape = Shape.of(copies * n, model.tokenizer().maxLength(), context);
            Tensor text = g.input("encoder_hidden_states", dtype, textShape);
            Tensor x = sample.cast(dtype);
            Tensor batch = guided ? Tensor.concat(0, List.of(x, x)) : x;
            Lora lora = loraCapacity > 0 ? Lora.unetAttention(loraCapacity) : null;
            Tensor eps = new UNet2DConditionModel(g, dtype, "", model.unetConfig(), lora)
                    .forward(batch, timestep.expand(Shape.of(copies * n)), text).cast(DType.FLOAT32);
            Map<String, Tensor> inputs = new LinkedHashMap<>(Map.of("sample", sample, "timestep", timestep,
                    "encoder_hidden_states", text));
            if (guided) {
                Tensor scale = g.input("guidance_scale", DType.FLOAT32, Shape.SCALAR);
                List<Tensor> halves = eps.chunk(2, 0);
                eps = halves.get(0).add(scale.mul(halves.get(1).sub(halves.get(0))));
                inputs.put("guidance_scale", scale);
            }
            List<Tensor> loraInputs = g.weights().values().stream().filter(t -> t.name().contains(".lora_")).toList();
            loraInputs.forEach(t -> inputs.put(t.name(), t));
            return new UnetProgram(bind(new Program(inputs, Map.of("noise_pred", eps)), model.unet()), loraInputs);
        });
    }

    private Session vaeSession(int n, int h, int w) {
        return sessions.computeIfAbsent("vae:" + n + "x" + h + "x" + w, key -> {
            Graph g = Graph.create();
            Tensor latents = g.input("latents", DType.FLOAT32, Shape.of(n, model.vaeConfig().latentChannels(), h, w));
            Tensor scaled = latents.div(model.vaeConfig().scalingFactor()).cast(dtype);
            Tensor image = new AutoencoderKL(g, dtype, "", model.vaeConfig()).decode(scaled).cast(DType.FLOAT32);
            return bind(new Program(Map.of("latents", latents), Map.of("image", image)), model.vae());
        });
    }

    private Session bind(Program program, WeightSource weights) {
        try {
            return Session.create(program, key -> weights.get(key, dtype), device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights.origin() + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, TensorData> withoutGuidance(Map<String, TensorData> feeds) {
        Map<String, TensorData> f = new LinkedHashMap<>(feeds);
        f.remove("guidance_scale");
        return f;
    }

    private static TensorData floats(Shape shape, float[] values) {
        TensorData t = TensorData.allocate(DType.FLOAT32, shape);
        t.data().asFloatBuffer().put(values);
        return t;
    }

    @Override
    public void close() {
        sessions.values().forEach(Session::close);
        sessions.clear();
        unets.values().forEach(u -> u.session().close());
        unets.clear();
    }
}
