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
import io.sdtune.diffusion.runtime.DeviceTensor;
import io.sdtune.diffusion.runtime.ExecutionOptions;
import io.sdtune.diffusion.runtime.IoBinding;
import io.sdtune.diffusion.runtime.Session;
import io.sdtune.diffusion.runtime.SessionCache;
import io.sdtune.diffusion.runtime.SharedWeights;
import io.sdtune.diffusion.scheduler.NoiseSource;
import io.sdtune.diffusion.scheduler.Scheduler;
import io.sdtune.diffusion.scheduler.Schedulers;
import io.sdtune.diffusion.scheduler.SeededNoise;
import io.sdtune.diffusion.tokenizer.Encoding;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.TextualInversionFile;
import io.sdtune.diffusion.weights.WeightSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Text to image, as diffusers' {@code StableDiffusionPipeline}: encode the prompt and the negative
 * prompt, denoise seeded latents with classifier-free guidance under the chosen scheduler, decode
 * with the VAE. Sessions for the text encoder, the UNet (with the guidance combination inside its
 * graph) and the VAE decoder are built per size, batch and LoRA capacity and kept, the least recently
 * used closed beyond {@code maxSessions}; each component's weights are read through one {@link SharedWeights},
 * however many sessions read them (on the CPU, one copy for all).
 */
public final class Txt2Img implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Txt2Img.class.getName());

    /**
     * System property, on unless {@code false}: draw on CUDA with ONNX Runtime's CUDA-only contrib ops (the fused
     * {@code GroupNorm} and {@code BiasSplitGelu}); {@code false} keeps the primitives there too.
     */
    public static final String CUDA_CONTRIB_OPS = "sdtune.cuda.contrib_ops";
    private final StableDiffusion model;
    private final Device device;
    private final DType dtype;
    private final SessionCache<Bound> sessions;
    /** Each component's weights for the sessions, by the source they come from. */
    private final Map<WeightSource, SharedWeights> weights = new IdentityHashMap<>();
    /** The weights merged with recent LoRA stacks, by {@link LoraStack#key}: switching back costs a binding. */
    private final SessionCache<Merged> merged = new SessionCache<>(MERGED_LORA_STACKS);

    /**
     * Sessions kept when none is given: one drawing uses three (text encoder, UNet, VAE decoder), and the text
     * encoder's depends on the batch only, so two sizes drawn in turn keep theirs.
     */
    public static final int DEFAULT_MAX_SESSIONS = 6;

    /**
     * LoRA stacks whose merged weights are kept: each holds a copy of the layers it adapts (for the attention
     * LoRAs of {@code train_dreambooth_lora.py}, a tenth of SD 1.5's UNet).
     */
    public static final int MERGED_LORA_STACKS = 4;

    public Txt2Img(StableDiffusion model, Device device, DType dtype) {
        this(model, device, dtype, DEFAULT_MAX_SESSIONS);
    }

    public Txt2Img(StableDiffusion model, Device device, DType dtype, int maxSessions) {
        this.model = model;
        this.device = device;
        this.dtype = dtype;
        this.sessions = new SessionCache<>(maxSessions);
    }

    /** Called after every denoising step (step is 1-based). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int step, int totalSteps);
    }

    public List<GeneratedImage> generate(GenerationParams p, StepListener listener) {
        return generate(p, Adapters.none(), listener);
    }

    /** Text to image with LoRAs on the UNet and the text encoder and Textual Inversion embeddings in the latter. */
    public List<GeneratedImage> generate(GenerationParams p, Adapters adapters, StepListener listener) {
        return generate(List.of(p), adapters, listener).get(0);
    }

    /** Several prompts with the same adapters: {@link #generate(List, List, StepListener)}. */
    public List<List<GeneratedImage>> generate(List<GenerationParams> batch, Adapters adapters, StepListener listener) {
        return generate(batch, Collections.nCopies(batch.size(), adapters), listener);
    }

    /**
     * Several prompts in one denoising loop, as a server batches requests: they share the steps, guidance,
     * scheduler and size, and the Textual Inversion embeddings; each keeps its prompt, negative prompt, seed,
     * image count and LoRAs ({@code adapters}, one per prompt: each sample's LoRA branch is its own), and gets the
     * images it would get alone - except with Euler a, whose ancestral noise is drawn for the whole batch from
     * the first seed. Prompts on different LoRA stacks of which one adapts convolutions (LoCon: no per-sample branch)
     * are drawn as one batch per stack. Returns each one's images, in order.
     */
    public List<List<GeneratedImage>> generate(List<GenerationParams> batch, List<Adapters> adapters,
            StepListener listener) {
        GenerationParams p = batch.get(0);
        if (adapters.size() != batch.size()) {
            throw new IllegalArgumentException(adapters.size() + " adapter sets for " + batch.size() + " prompts");
        }
        List<TextualInversionFile> embeddings = adapters.get(0).embeddings();
        if (adapters.stream().anyMatch(a -> !a.embeddings().equals(embeddings))) {
            // A token added for one prompt would be matched in all of them.
            throw new IllegalArgumentException("a batch shares its Textual Inversion embeddings");
        }
        for (GenerationParams other : batch) {
            if (other.numInferenceSteps() != p.numInferenceSteps() || other.guidanceScale() != p.guidanceScale()
                    || !other.scheduler().equals(p.scheduler()) || other.width() != p.width() || other.height() != p.height()) {
                throw new IllegalArgumentException("a batch shares steps, guidance, scheduler and size: " + other + " vs " + p);
            }
            if (other.latents() != null && batch.size() > 1) {
                throw new IllegalArgumentException("given latents are for a single prompt, not a batch");
            }
        }
        boolean mixed = adapters.stream().map(a -> a.loras().effective()).distinct().count() > 1;
        if (mixed && adapters.stream().anyMatch(a -> a.loras().effective().needsMerging())) {
            return drawnPerStack(batch, adapters, listener);
        }
        int factor = model.vaeConfig().downscale();
        int h = p.height() / factor;
        int w = p.width() / factor;
        int n = batch.stream().mapToInt(GenerationParams::numImages).sum();
        int channels = model.unetConfig().inChannels();
        boolean guided = p.guidanceScale() > 1;

        List<LoraStack> rows = rows(batch, adapters, guided);
        TensorData text = encodePrompts(batch, guided, embeddings, rows);
        Scheduler scheduler = Schedulers.create(p.scheduler(), model.schedulerConfig());
        scheduler.setTimesteps(p.numInferenceSteps());
        float[] latents = initialLatents(batch, n * channels * h * w, scheduler.initNoiseSigma());
        NoiseSource noise = new SeededNoise(p.seed());
        LoraStack.Branches branches = LoraStack.branches(rows, LoraFile.Component.UNET);
        LoraStack shared = shared(rows, branches);
        Bound unet = unetSession(n, h, w, guided, branches, shared != null);
        SharedWeights merged = shared == null ? null : mergedWeights(shared).unet();
        Map<String, TensorData> loraFeeds = LoraStack.feeds(rows, LoraFile.Component.UNET, unet.loraInputs(), dtype);
        Shape latentShape = Shape.of(n, channels, h, w);
        float[] timesteps = scheduler.timesteps();
        Session session = unet.session();
        UnetIo io = unet.io();
        io.input("encoder_hidden_states").copyFrom(text);
        if (guided) {
            io.input("guidance_scale").copyFrom(TensorData.scalar(DType.FLOAT32, p.guidanceScale()));
        }
        if (merged != null) {
            io.useWeights(shared.key(), merged, unet.mergedWeights());
        }
        // Every run reads and writes the session's own device tensors, so that a step moves only the latents in
        // and out, and on CUDA a run is a replay of the graph of the first ones.
        try (IoBinding binding = session.bind()) {
            for (int i = 0; i < timesteps.length; i++) {
                io.input("sample").copyFrom(floats(latentShape, scheduler.scaleModelInput(latents, i)));
                io.input("timestep").copyFrom(TensorData.of(DType.FLOAT32, Shape.of(1), timesteps[i]));
                io.bind(binding);
                loraFeeds.forEach(binding::input);
                binding.run();
                latents = scheduler.step(io.output("noise_pred").toHost().toFloatArray(), i, latents, noise);
                if (listener != null) {
                    listener.onStep(i + 1, timesteps.length);
                }
            }
        }
        TensorData images = vaeSession(n, h, w).session().run(Map.of("latents", floats(latentShape, latents))).get("image");
        return GeneratedImage.fromDecoded(images, batch, adapters, model.name());
    }

    /** The prompts drawn as one batch per LoRA stack, each on its merged weights; their images in the prompts' order. */
    private List<List<GeneratedImage>> drawnPerStack(List<GenerationParams> batch, List<Adapters> adapters,
            StepListener listener) {
        Map<LoraStack, List<Integer>> byStack = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            byStack.computeIfAbsent(adapters.get(i).loras(), stack -> new ArrayList<>()).add(i);
        }
        List<List<GeneratedImage>> images = new ArrayList<>(Collections.nCopies(batch.size(), null));
        for (List<Integer> prompts : byStack.values()) {
            List<List<GeneratedImage>> drawn = generate(prompts.stream().map(batch::get).toList(),
                    prompts.stream().map(adapters::get).toList(), listener);
            for (int j = 0; j < prompts.size(); j++) {
                images.set(prompts.get(j), drawn.get(j));
            }
        }
        return images;
    }

    /**
     * The LoRAs of each row of the text encoder's and the UNet's batch: with guidance the negative prompts' images,
     * then the prompts', each row with its prompt's adapters.
     */
    private static List<LoraStack> rows(List<GenerationParams> batch, List<Adapters> adapters, boolean guided) {
        List<LoraStack> perImage = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            perImage.addAll(Collections.nCopies(batch.get(i).numImages(), adapters.get(i).loras().effective()));
        }
        List<LoraStack> rows = new ArrayList<>(perImage);
        if (guided) {
            rows.addAll(perImage);
        }
        return rows;
    }

    /** The text encoder's states of every image: the negative prompts' rows first (with guidance), then the prompts'. */
    private TensorData encodePrompts(List<GenerationParams> batch, boolean guided, List<TextualInversionFile> embeddings,
            List<LoraStack> loras) {
        TensorData addedRows = addTokens(embeddings);
        List<long[]> rows = new ArrayList<>();
        if (guided) {
            for (GenerationParams p : batch) {
                long[] uncond = encode(p.negativePrompt()).inputIds();
                for (int i = 0; i < p.numImages(); i++) {
                    rows.add(uncond);
                }
            }
        }
        for (GenerationParams p : batch) {
            long[] cond = encode(p.prompt()).inputIds();
            for (int i = 0; i < p.numImages(); i++) {
                rows.add(cond);
            }
        }
        int length = model.tokenizer().maxLength();
        long[] ids = new long[rows.size() * length];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, ids, r * length, length);
        }
        int added = addedRows == null ? 0 : (int) addedRows.shape().dim(0);
        LoraStack.Branches branches = LoraStack.branches(loras, LoraFile.Component.TEXT_ENCODER);
        LoraStack shared = shared(loras, branches);
        Bound encoder = textEncoderSession(rows.size(), length, added, branches, shared != null);
        Map<String, TensorData> feeds = new LinkedHashMap<>(Map.of("input_ids", TensorData.ofLongs(ids, rows.size(), length)));
        if (addedRows != null) {
            feeds.put(ClipTextModel.ADDED_TOKENS, addedRows);
        }
        feeds.putAll(LoraStack.feeds(loras, LoraFile.Component.TEXT_ENCODER, encoder.loraInputs(), dtype));
        Tensor output = encoder.session().program().outputs().get("last_hidden_state");
        TensorData hidden = TensorData.allocate(output.dtype(), output.shape());
        try (IoBinding binding = encoder.session().bind()) {
            feeds.forEach(binding::input);
            if (shared != null) {
                mergedWeights(shared).textEncoder().bind(binding, encoder.mergedWeights());
            }
            binding.output("last_hidden_state", hidden).run();
        }
        return hidden;
    }

    /**
     * The stack every row shares, whose update is merged into the weights (diffusers' {@code fuse_lora}: the base
     * model's cost); null when none adapts the component or the rows mix stacks, each row then taking its own branch.
     */
    private static LoraStack shared(List<LoraStack> rows, LoraStack.Branches branches) {
        return !branches.layers().isEmpty() && rows.stream().distinct().count() == 1 ? rows.get(0) : null;
    }

    /**
     * Registers the embeddings' tokens with the tokenizer (once; ids after the vocabulary) and returns
     * the rows of every added token, zero for tokens no embedding of this call defines, in the model's
     * dtype, padded to a multiple of 8 rows so that calls share a session; null when none were added.
     */
    private TensorData addTokens(List<TextualInversionFile> embeddings) {
        var tokenizer = model.tokenizer();
        int vocab = model.textEncoderConfig().vocabSize();
        embeddings.forEach(e -> e.requireFits(model.textEncoderConfig()));
        for (TextualInversionFile e : embeddings) {
            for (String token : e.tokens()) {
                if (!tokenizer.contains(token)) {
                    tokenizer.addToken(token);
                } else if (tokenizer.tokenId(token).getAsInt() < vocab) {
                    throw new IllegalArgumentException("Textual Inversion token " + token + " is already a word of the "
                            + "tokenizer; rename the embedding");
                }
            }
        }
        int added = tokenizer.vocabSize() - vocab;
        if (added == 0) {
            return null;
        }
        long hidden = model.textEncoderConfig().hiddenSize();
        TensorData rows = TensorData.allocate(DType.FLOAT32, Shape.of((added + 7) / 8 * 8, hidden));
        for (TextualInversionFile e : embeddings) {
            List<String> tokens = e.tokens();
            for (int v = 0; v < tokens.size(); v++) {
                long row = tokenizer.tokenId(tokens.get(v)).getAsInt() - vocab;
                for (long j = 0; j < hidden; j++) {
                    rows.set(row * hidden + j, e.vectors().get(v * hidden + j));
                }
            }
        }
        return dtype == DType.FLOAT32 ? rows : rows.to(dtype);
    }

    private Encoding encode(String prompt) {
        Encoding e = model.tokenizer().encode(prompt);
        if (e.truncated()) {
            LOG.log(System.Logger.Level.WARNING, "The following part of your input was truncated because CLIP can only "
                    + "handle sequences up to " + model.tokenizer().maxLength() + " tokens: " + e.droppedText());
        }
        return e;
    }

    private static float[] initialLatents(List<GenerationParams> batch, int count, float sigma) {
        GenerationParams first = batch.get(0);
        if (first.latents() != null) {
            if (first.latents().size() != count) {
                throw new IllegalArgumentException("--latents has shape " + first.latents().shape() + " but " + count
                        + " values are needed (" + first.numImages() + " x 4 x height/8 x width/8)");
            }
            float[] given = first.latents().toFloatArray();
            for (int i = 0; i < given.length; i++) {
                given[i] *= sigma;
            }
            return given;
        }
        // One seed per image, as AUTOMATIC1111 does: image i of a prompt is image 0 of its seed + i.
        float[] latents = new float[count];
        int images = batch.stream().mapToInt(GenerationParams::numImages).sum();
        int perImage = count / images;
        int at = 0;
        for (GenerationParams p : batch) {
            for (int i = 0; i < p.numImages(); i++) {
                float[] x = new SeededNoise(p.seed() + i).standardNormal(perImage);
                for (int j = 0; j < perImage; j++) {
                    latents[at++] = x[j] * sigma;
                }
            }
        }
        return latents;
    }

    /** The text encoder for a batch, with a LoRA branch per sample for {@code branches} or as {@link #unetSession}. */
    private Bound textEncoderSession(int batch, int length, int addedRows, LoraStack.Branches branches, boolean merged) {
        String key = "text_encoder:" + batch + ":added" + addedRows + ":"
                + (merged ? "merged:" + branches.layersKey() : branches.key());
        return sessions.get(key, () -> {
            Graph g = Graph.create();
            Tensor ids = g.input("input_ids", DType.INT64, Shape.of(batch, length));
            Lora lora = merged ? null : branches.lora(batch);
            Tensor hidden = new ClipTextModel(g, dtype, "", model.textEncoderConfig(), addedRows, lora).forward(ids);
            Map<String, Tensor> inputs = new LinkedHashMap<>(Map.of("input_ids", ids));
            if (addedRows > 0) {
                inputs.put(ClipTextModel.ADDED_TOKENS, g.weights().get(ClipTextModel.ADDED_TOKENS));
            }
            Map<String, Tensor> outputs = Map.of("last_hidden_state", hidden);
            return merged ? bindWithWeightInputs(g, inputs, outputs, branches, model.textEncoder(), false)
                    : bindWithLoraInputs(g, inputs, outputs, model.textEncoder(), false);
        });
    }

    /**
     * A session, the LoRA inputs its graph takes (none without a LoRA capacity), the weights it takes as inputs to
     * read them merged with a LoRA's update (none unless built for merged weights) and, for a UNet, the device
     * tensors of its runs.
     */
    private record Bound(Session session, List<Tensor> loraInputs, List<Tensor> mergedWeights, UnetIo io)
            implements AutoCloseable {
        @Override
        public void close() {
            if (io != null) {
                io.close();
            }
            session.close();
        }
    }

    /**
     * The device tensors every run of a UNet session reads and writes, made with the session before its first run:
     * its inputs but the LoRA tensors fed per sample, the layer weights it takes as inputs and {@code noise_pred}.
     * Fixed addresses let a CUDA session replay its runs as a graph; a batch on a LoRA stack copies the stack's merged
     * weights in (device to device) when the stack is not the one already there.
     */
    private static final class UnetIo implements AutoCloseable {
        private final Map<String, DeviceTensor> inputs = new LinkedHashMap<>();
        private final Map<String, DeviceTensor> weights = new LinkedHashMap<>();
        private final Map<String, DeviceTensor> outputs = new LinkedHashMap<>();
        /** {@link LoraStack#key} of the merged weights in {@link #weights}, or null before any. */
        private String stack;

        UnetIo(Session session, List<Tensor> mergedWeights) {
            try {
                session.program().inputs().forEach((name, t) -> {
                    if (mergedWeights.contains(t)) {
                        weights.put(name, session.allocate(t.dtype(), t.shape()));
                    } else if (t.kind() == Tensor.Kind.INPUT) {
                        inputs.put(name, session.allocate(t.dtype(), t.shape()));
                    }
                });
                session.program().outputs().forEach((name, t) -> outputs.put(name, session.allocate(t.dtype(), t.shape())));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        DeviceTensor input(String name) {
            return inputs.get(name);
        }

        DeviceTensor output(String name) {
            return outputs.get(name);
        }

        /** Binds every tensor for a run (the LoRA tensors fed per sample are the caller's). */
        void bind(IoBinding binding) {
            inputs.forEach(binding::input);
            weights.forEach(binding::input);
            outputs.forEach(binding::output);
        }

        /** Puts {@code stack}'s merged layer weights where the session reads them, unless they are there already. */
        void useWeights(String stack, SharedWeights merged, List<Tensor> layers) {
            if (!stack.equals(this.stack)) {
                this.stack = null;
                merged.copyTo(weights, layers);
                this.stack = stack;
            }
        }

        @Override
        public void close() {
            for (Map<String, DeviceTensor> tensors : List.of(inputs, weights, outputs)) {
                tensors.values().forEach(DeviceTensor::close);
            }
        }
    }

    /**
     * The UNet for a batch: with a LoRA branch per sample for {@code branches}, or with {@code merged}, no branch and
     * the weights of the branches' layers as inputs, which a batch on one set of LoRAs binds merged.
     */
    private Bound unetSession(int n, int h, int w, boolean guided, LoraStack.Branches branches, boolean merged) {
        String key = "unet:" + n + "x" + h + "x" + w + (guided ? ":cfg" : "") + ":"
                + (merged ? "merged:" + branches.layersKey() : branches.key());
        return sessions.get(key, () -> {
            Graph g = drawingGraph();
            int copies = guided ? 2 : 1;
            int context = model.unetConfig().crossAttentionDim();
            Tensor sample = g.input("sample", DType.FLOAT32, Shape.of(n, model.unetConfig().inChannels(), h, w));
            Tensor timestep = g.input("timestep", DType.FLOAT32, Shape.of(1));
            Shape textShape = Shape.of(copies * n, model.tokenizer().maxLength(), context);
            Tensor text = g.input("encoder_hidden_states", dtype, textShape);
            Tensor x = sample.cast(dtype);
            Tensor batch = guided ? Tensor.concat(0, List.of(x, x)) : x;
            Lora lora = merged ? null : branches.lora(copies * n);
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
            Map<String, Tensor> outputs = Map.of("noise_pred", eps);
            return merged ? bindWithWeightInputs(g, inputs, outputs, branches, model.unet(), true)
                    : bindWithLoraInputs(g, inputs, outputs, model.unet(), true);
        });
    }

    /** A stack's merged weights of the UNet and the text encoder, each made as the layers are first bound. */
    private record Merged(SharedWeights unet, SharedWeights textEncoder) implements AutoCloseable {
        @Override
        public void close() {
            unet.close();
            textEncoder.close();
        }
    }

    /** The weights of the layers {@code stack} adapts, with its update merged in: made once, kept a while. */
    private Merged mergedWeights(LoraStack stack) {
        return merged.get(stack.key(), () -> new Merged(mergedWeights(stack, LoraFile.Component.UNET, model.unet()),
                mergedWeights(stack, LoraFile.Component.TEXT_ENCODER, model.textEncoder())));
    }

    private SharedWeights mergedWeights(LoraStack stack, LoraFile.Component component, WeightSource base) {
        return new SharedWeights(name -> stack.merged(component, name.substring(0, name.length() - ".weight".length()),
                base.get(name, dtype)), device);
    }

    /**
     * Binds the graph with the weights of the branches' layers as inputs, not weights: a batch on one LoRA stack
     * binds them merged with its update, so one session serves every stack on the same layers.
     */
    private Bound bindWithWeightInputs(Graph g, Map<String, Tensor> inputs, Map<String, Tensor> outputs,
            LoraStack.Branches branches, WeightSource weights, boolean unet) {
        List<Tensor> layerWeights = branches.layers().stream().map(layer -> g.weights().get(layer + ".weight")).toList();
        Map<String, Tensor> all = new LinkedHashMap<>(inputs);
        layerWeights.forEach(t -> all.put(t.name(), t));
        return bound(new Program(all, outputs), weights, List.of(), layerWeights, unet);
    }

    /** Binds the graph with its LoRA tensors as inputs, not weights: adapters are fed at each run. */
    private Bound bindWithLoraInputs(Graph g, Map<String, Tensor> inputs, Map<String, Tensor> outputs,
            WeightSource weights, boolean unet) {
        List<Tensor> loraInputs = g.weights().values().stream().filter(t -> t.name().contains(".lora_")).toList();
        Map<String, Tensor> all = new LinkedHashMap<>(inputs);
        loraInputs.forEach(t -> all.put(t.name(), t));
        return bound(new Program(all, outputs), weights, loraInputs, List.of(), unet);
    }

    /**
     * The session of {@code program}. A UNet's gets the device tensors of its runs and, unless it is fed LoRA
     * tensors from the host at each run, replays its runs as a CUDA graph on a GPU: a step of SD 1.5 at 512 px in
     * float16 took 12.5 ms instead of 15.6 on an H100 (BENCHMARKS.md).
     */
    private Bound bound(Program program, WeightSource weights, List<Tensor> loraInputs, List<Tensor> layerWeights,
            boolean unet) {
        ExecutionOptions execution = ExecutionOptions.on(device);
        Session session;
        if (unet && loraInputs.isEmpty() && device.kind() == Device.Kind.CUDA) {
            session = replayed(program, weights, execution);
        } else {
            session = bind(program, weights, execution);
        }
        try {
            return new Bound(session, loraInputs, layerWeights, unet ? new UnetIo(session, layerWeights) : null);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * A session replayed as a CUDA graph, or a plain one where ONNX Runtime cannot capture the graph (some of its
     * nodes run on the CPU, as a model's op without a CUDA kernel would): drawing then goes on, slower, and says so.
     */
    private Session replayed(Program program, WeightSource weights, ExecutionOptions execution) {
        try {
            return bind(program, weights, execution.withCudaGraph());
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("graph capture")) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "drawing without a CUDA graph: " + e.getMessage());
            return bind(program, weights, execution);
        }
    }

    private Bound vaeSession(int n, int h, int w) {
        return sessions.get("vae:" + n + "x" + h + "x" + w, () -> {
            Graph g = drawingGraph();
            Tensor latents = g.input("latents", DType.FLOAT32, Shape.of(n, model.vaeConfig().latentChannels(), h, w));
            Tensor scaled = latents.div(model.vaeConfig().scalingFactor()).cast(dtype);
            Tensor image = new AutoencoderKL(g, dtype, "", model.vaeConfig()).decode(scaled).cast(DType.FLOAT32);
            return bound(new Program(Map.of("latents", latents), Map.of("image", image)), model.vae(), List.of(),
                    List.of(), false);
        });
    }

    /**
     * A graph for a drawing session on this device: fused contrib ops, and on CUDA CUDA's own as well unless
     * {@code -D}{@value #CUDA_CONTRIB_OPS}{@code =false} (checked by {@code DeviceAgreement} on an H100, 2026-12-07).
     */
    private Graph drawingGraph() {
        Graph g = Graph.create();
        if (device.kind() == Device.Kind.CUDA && Boolean.parseBoolean(System.getProperty(CUDA_CONTRIB_OPS, "true"))) {
            g.useCudaContribOps();
        } else {
            g.useContribOps();
        }
        return g;
    }

    private Session bind(Program program, WeightSource weights, ExecutionOptions execution) {
        try {
            SharedWeights shared = this.weights.computeIfAbsent(weights,
                    source -> new SharedWeights(key -> source.get(key, dtype), device));
            return Session.create(program, shared, execution);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights.origin() + ": " + e.getMessage(), e);
        }
    }

    private static TensorData floats(Shape shape, float[] values) {
        TensorData t = TensorData.allocate(DType.FLOAT32, shape);
        t.data().asFloatBuffer().put(values);
        return t;
    }

    /** The sessions kept, those built and those closed to keep within the bound, since this pipeline was made. */
    public record SessionStats(int open, long builds, long evictions) {
    }

    public SessionStats sessionStats() {
        return new SessionStats(sessions.size(), sessions.builds(), sessions.evictions());
    }

    /** Closes every session and frees the weights, giving their memory back; the next drawing builds what it needs. */
    public void closeSessions() {
        sessions.close();
        merged.close();
        weights.values().forEach(SharedWeights::close);
        weights.clear();
    }

    /** Bytes of the base weights made for the sessions, each once however many sessions read it. */
    public long weightBytes() {
        return weights.values().stream().mapToLong(SharedWeights::bytes).sum();
    }

    /** LoRA stacks whose merged weights are kept, and how many were merged since this pipeline was made. */
    public record MergedStats(int kept, long merges) {
    }

    public MergedStats mergedStats() {
        return new MergedStats(merged.size(), merged.builds());
    }

    @Override
    public void close() {
        closeSessions();
    }
}
