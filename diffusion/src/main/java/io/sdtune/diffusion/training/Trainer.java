package io.sdtune.diffusion.training;

import io.sdtune.diffusion.autodiff.CheckpointPolicy;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.optim.AdamW;
import io.sdtune.diffusion.optim.EightBitState;
import io.sdtune.diffusion.optim.LossScaling;
import io.sdtune.diffusion.optim.TrainingSession;
import io.sdtune.diffusion.optim.TrainingStep;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.runtime.IoBinding;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import io.sdtune.diffusion.runtime.Session;
import io.sdtune.diffusion.scheduler.NoiseSchedule;
import io.sdtune.diffusion.scheduler.SchedulerConfig;
import io.sdtune.diffusion.scheduler.SeededNoise;
import io.sdtune.diffusion.weights.WeightSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The fine-tuning loop the three methods share, as the diffusers scripts run it: the training images'
 * latents are encoded once (posterior mean and standard deviation; a fresh sample is drawn each
 * step), and so are the prompts where the text encoder is not trained; then each step draws timesteps and noise,
 * noises the latents on the host, and runs one training step (text encoder where it is trained, UNet, MSE loss,
 * backward, AdamW) on ONNX Runtime, the training state staying on the device from one step to the next.
 */
public final class Trainer {
    /**
     * Steps in a row whose loss may be NaN or infinite before the run stops. The loss is the forward pass's,
     * unscaled, so float16 loss scaling (which skips steps whose gradients overflow) cannot mend it: the run diverged
     * or its activations overflow float16, and every further step would be skipped or spoil the weights.
     */
    public static final int MAX_NON_FINITE_STEPS = 50;
    /** The step's captions: token ids where the step holds the text encoder, its output where it is run before. */
    private static final String INPUT_IDS = "input_ids";
    private static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";

    private final TrainingArgs args;
    private final TrainingMethod method;
    private final MemoryGuard guard;

    public Trainer(TrainingArgs args, TrainingMethod method) {
        this(args, method, null);
    }

    /** With {@code guard} (null: none), a run that would not fit its device is refused before it starts. */
    public Trainer(TrainingArgs args, TrainingMethod method, MemoryGuard guard) {
        this.args = args;
        this.method = method;
        this.guard = guard;
    }

    /** Trains and writes the artifact; returns the loss of every step. */
    public double[] run(TrainingListener listener) {
        try (StableDiffusion model = StableDiffusion.load(args.pretrainedModelNameOrPath())) {
            method.prepare(model);
            Built built = buildWithinMemory(model, listener);
            Graph g = built.graph();
            TrainingStep step = built.step();
            Shape latentShape = built.latentShape();
            InstanceImages images = InstanceImages.load(args.instanceDataDir(), args.resolution(), args.crop(),
                    args.randomFlip());
            PriorPreservation prior = args.priorPreservation();
            if (prior != null) {
                prior.generateMissing(model, args.resolution(), args.seed(), args.device());
            }
            // Before the latents: the VAE encoder's runs give the text encoder's freed memory back to the device.
            Map<String, TensorData> promptEmbeds = method.trainsTextEncoder() ? Map.of()
                    : encodePrompts(model, prompts(images));
            List<Posterior> latents = encode(model, images);
            List<Posterior> classLatents = prior == null ? List.of() : encode(model, InstanceImages.load(
                    prior.classDataDir(), args.resolution(), args.crop(), args.randomFlip(), prior.numClassImages()));
            Map<String, TensorData> initial = method.initialValues(g, new SplittableRandom(args.seed()));
            LearningRateSchedule schedule = new LearningRateSchedule(args.lrScheduler(), args.scaledLearningRate(),
                    args.lrWarmupSteps(), args.maxTrainSteps());
            NoiseSchedule noiseSchedule = NoiseSchedule.of(model.schedulerConfig());
            double[] losses = new double[args.maxTrainSteps()];
            try (TrainingSession session = TrainingSession.create(step,
                    name -> initial.containsKey(name) ? initial.get(name) : baseWeight(model, g.weights().get(name)),
                    args.device())) {
                int first = Checkpoints.resume(args, session);
                long start = System.nanoTime();
                int nonFinite = 0;
                for (int s = first; s < args.maxTrainSteps(); s++) {
                    // Randomness derives from (seed, step), so a resumed run draws what the uninterrupted one did.
                    long stepSeed = args.seed() * 1_000_003L + s;
                    Map<String, TensorData> feed = batch(step, latents, classLatents, promptEmbeds, latentShape,
                            noiseSchedule, model, new SeededNoise(stepSeed), new SplittableRandom(stepSeed));
                    double lr = schedule.at(s);
                    losses[s] = session.run(feed, lr);
                    int done = s + 1;
                    nonFinite = Double.isFinite(losses[s]) ? 0 : nonFinite + 1;
                    if (nonFinite == MAX_NON_FINITE_STEPS) {
                        throw new IllegalStateException("the loss was not finite for " + MAX_NON_FINITE_STEPS
                                + " steps in a row (steps " + (done - nonFinite + 1) + " to " + done + "): the training "
                                + "diverged or overflowed float16; try a lower learning_rate, or mixed_precision no");
                    }
                    double secondsPerStep = (System.nanoTime() - start) / 1e9 / (done - first);
                    listener.onStep(done, args.maxTrainSteps(), losses[s], lr, secondsPerStep);
                    method.afterStep(done, args.outputDir(), model, () -> trained(g, session));
                    if (args.checkpointingSteps() > 0 && done % args.checkpointingSteps() == 0) {
                        listener.onCheckpoint(done, Checkpoints.save(args.outputDir(), done, session));
                    }
                    if (!args.validationPrompt().isEmpty() && args.validationSteps() > 0 && done % args.validationSteps() == 0
                            && done < args.maxTrainSteps()) {
                        validate(model, g, session, done, listener);
                    }
                    if (listener.cancelled()) {
                        break;
                    }
                }
                method.save(args.outputDir(), model, trained(g, session));
                if (!args.validationPrompt().isEmpty()) {
                    validate(model, g, session, args.maxTrainSteps(), listener);
                }
            }
            return losses;
        }
    }

    /** What the step would hold on the device ({@link MemoryEstimate}), without training: the model is read, the step built. */
    public MemoryEstimate estimate() {
        try (StableDiffusion model = StableDiffusion.load(args.pretrainedModelNameOrPath())) {
            method.prepare(model);
            return build(model, args.gradientCheckpointing(), args.use8bitAdam()).step().memoryEstimate();
        }
    }

    /** The step's graph, the step, and the shape of its latent inputs. */
    private record Built(Graph graph, TrainingStep step, Shape latentShape) {
    }

    /**
     * Builds the step and reports its memory estimate; with a guard, a step that would not fit the device is
     * built again with gradient checkpointing and 8-bit AdamW when the guard allows it, and refused otherwise.
     */
    private Built buildWithinMemory(StableDiffusion model, TrainingListener listener) {
        boolean checkpointing = args.gradientCheckpointing();
        boolean eightBit = args.use8bitAdam();
        Built built = build(model, checkpointing, eightBit);
        MemoryEstimate estimate = built.step().memoryEstimate();
        boolean savable = !checkpointing || (!eightBit && method.takes8bitAdam());
        if (guard != null && !guard.fits(estimate) && guard.allowSavings() && savable) {
            MemoryEstimate without = estimate;
            built = build(model, true, eightBit || method.takes8bitAdam());
            estimate = built.step().memoryEstimate();
            listener.onMemorySavings(without, estimate);
        }
        listener.onMemoryEstimate(estimate);
        if (guard != null) {
            guard.require(estimate, args.device());
        }
        return built;
    }

    private Built build(StableDiffusion model, boolean checkpointing, boolean eightBit) {
        int textLength = model.tokenizer().maxLength();

        // With prior preservation each micro-batch is trainBatchSize instance samples, then as many class samples.
        int batch = args.trainBatchSize() * (args.priorPreservation() == null ? 1 : 2);
        int channels = model.unetConfig().inChannels();
        int side = args.resolution() / model.vaeConfig().downscale();
        Shape latentShape = Shape.of(batch, channels, side, side);
        Graph g = Graph.create();
        // Fused attention keeps none of its scores for the backward pass, which recomputes them in blocks: at 512 px
        // an SD 1.5 self-attention's scores are 8 x 4096 x 4096 values per sample.
        g.useContribOps();
        if (args.dtype() != DType.FLOAT32) {
            // Mixed precision as Accelerate runs it: float32 master copies of what is trained, the rest
            // in the compute dtype, float32 AdamW; float16 also gets GradScaler's dynamic loss scaling.
            g.storeWeights(method::trains, DType.FLOAT32);
        }
        Tensor noisy = g.input("noisy_latents", DType.FLOAT32, latentShape);
        Tensor timesteps = g.input("timesteps", DType.FLOAT32, Shape.of(batch));
        Tensor text = method.trainsTextEncoder()
                ? method.encodePrompt(g, model, g.input(INPUT_IDS, DType.INT64, Shape.of(batch, textLength)))
                : g.input(ENCODER_HIDDEN_STATES, args.dtype(),
                        Shape.of(batch, textLength, model.textEncoderConfig().hiddenSize()));
        Tensor target = g.input("target", DType.FLOAT32, latentShape);
        Tensor weights = g.input("loss_weights", DType.FLOAT32, Shape.of(batch));
        Tensor prediction = method.predict(g, model, noisy, timesteps, text).cast(DType.FLOAT32);
        Tensor perSample = prediction.sub(target).square().mean(false, 1, 2, 3);
        Tensor loss = perSample.mul(weights).sum();

        TrainingStep.Options options = new TrainingStep.Options(
                new AdamW(args.adamBeta1(), args.adamBeta2(), args.adamWeightDecay(), args.adamEpsilon()),
                args.maxGradNorm(), args.gradientAccumulationSteps(),
                checkpointing ? CheckpointPolicy.modules(
                        "unet\\.(down_blocks|up_blocks)\\.\\d+\\.(resnets|attentions)\\.\\d+|unet\\.mid_block")
                        : CheckpointPolicy.none(),
                args.dtype() == DType.FLOAT16 ? LossScaling.gradScalerDefaults() : null,
                eightBit ? EightBitState.BITSANDBYTES : null);
        return new Built(g, TrainingStep.build(loss, method.trainable(g), options), latentShape);
    }

    private Map<String, TensorData> trained(Graph g, TrainingSession session) {
        Map<String, TensorData> trained = new LinkedHashMap<>();
        for (Tensor t : method.trainable(g)) {
            trained.put(t.name(), session.parameter(t.name()));
        }
        return trained;
    }

    /**
     * Validation images of the weights after {@code step}, as the scripts' {@code --validation_prompt}:
     * the artifact is saved to {@code validation/step-N/} and drawn from like any saved artifact, into
     * {@code validation/step-N-<i>.png} (seeds seed, seed + 1, ...; DPM++ 2M, 25 steps).
     */
    private void validate(StableDiffusion model, Graph g, TrainingSession session, int step, TrainingListener listener) {
        Path dir = args.outputDir().resolve("validation");
        Path saved = dir.resolve("step-" + step);
        method.save(saved, model, trained(g, session));
        int size = args.resolution();
        GenerationParams p = new GenerationParams(args.validationPrompt(), "", 25, 7.5, "dpmpp_2m", args.seed(), size, size,
                args.numValidationImages(), null);
        List<GeneratedImage> images = method.sample(saved, model, p, args.device(), args.dtype());
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            files.add(dir.resolve("step-" + step + "-" + i + ".png"));
            images.get(i).save(files.get(i));
        }
        listener.onValidation(step, files);
    }

    /**
     * A diagonal Gaussian over one image's latents ({@code [channels, height, width]}), from the VAE encoder, and the
     * image's caption (null: the instance prompt).
     */
    private record Posterior(float[] mean, float[] std, int height, int width, String caption) {
    }

    /** Each image's posterior; one encoder session per image size (sizes differ only with random crops). */
    private List<Posterior> encode(StableDiffusion model, InstanceImages images) {
        int factor = model.vaeConfig().downscale();
        Map<List<Integer>, Session> sessions = new HashMap<>();
        List<Posterior> out = new ArrayList<>();
        try {
            for (InstanceImages.Image image : images.images()) {
                Shape shape = Shape.of(1, 3, image.height(), image.width());
                Session s = sessions.computeIfAbsent(List.of(image.height(), image.width()), k -> encoder(model, shape));
                TensorData in = TensorData.allocate(DType.FLOAT32, shape);
                in.data().asFloatBuffer().put(image.pixels());
                TensorData mean = TensorData.allocate(DType.FLOAT32, s.program().outputs().get("mean").shape());
                TensorData std = TensorData.allocate(DType.FLOAT32, mean.shape());
                // The encoder's activations at full resolution go back to the device after each run: a step replayed
                // as a CUDA graph allocates from an arena of its own and could not reuse them (BENCHMARKS.md,
                // "fourteenth session").
                try (IoBinding binding = s.bindReleasingFreeMemory()) {
                    binding.input("pixels", in).output("mean", mean).output("std", std).run();
                }
                out.add(new Posterior(mean.toFloatArray(), std.toFloatArray(), image.height() / factor,
                        image.width() / factor, image.caption() == null ? null : method.caption(image.caption())));
            }
        } finally {
            sessions.values().forEach(Session::close);
        }
        return out;
    }

    private Session encoder(StableDiffusion model, Shape shape) {
        Graph g = Graph.create();
        Tensor pixels = g.input("pixels", DType.FLOAT32, shape);
        AutoencoderKL.Posterior p = new AutoencoderKL(g, args.dtype(), "", model.vaeConfig()).encode(pixels.cast(args.dtype()));
        Tensor mean = p.mean().cast(DType.FLOAT32);
        Tensor std = p.logvar().cast(DType.FLOAT32).mul(0.5).exp();
        return Session.create(new Program(Map.of("pixels", pixels), Map.of("mean", mean, "std", std)),
                key -> model.vae().get(key, args.dtype()), args.device());
    }

    /**
     * One step's data (all its micro-batches): sampled latents noised at random timesteps, the captions'
     * ids, the target, and each sample's coefficient in the micro-batch loss: the mean over instance
     * samples (with Min-SNR weights), plus {@code prior_loss_weight} times the mean over class samples.
     */
    private Map<String, TensorData> batch(TrainingStep step, List<Posterior> latents, List<Posterior> classLatents,
            Map<String, TensorData> promptEmbeds, Shape microBatch, NoiseSchedule schedule, StableDiffusion model,
            SeededNoise noise, SplittableRandom random) {
        int perMicroBatch = (int) microBatch.dim(0);
        int b = perMicroBatch * args.gradientAccumulationSteps();
        int instances = args.trainBatchSize();
        Shape shape = microBatch.with(0, b);
        int per = (int) (shape.size() / b);
        float scaling = (float) model.vaeConfig().scalingFactor();
        boolean velocity = model.schedulerConfig().predictionType() == SchedulerConfig.PredictionType.V_PREDICTION;
        int channels = (int) shape.dim(1);
        int side = (int) shape.dim(2);
        int length = model.tokenizer().maxLength();
        float[] x0 = new float[(int) shape.size()];
        float[] n = new float[x0.length];
        int[] t = new int[b];
        double[] weights = new double[b];
        String[] captions = new String[b];
        // Each sample draws all of its randomness in turn, so a sample's draws do not depend on the others.
        for (int i = 0; i < b; i++) {
            boolean isClass = i % perMicroBatch >= instances;
            List<Posterior> pool = isClass ? classLatents : latents;
            Posterior p = pool.get(random.nextInt(pool.size()));
            // A random crop of a larger latent is a random crop of the image, to 8 pixels.
            int top = random.nextInt(p.height() - side + 1);
            int left = random.nextInt(p.width() - side + 1);
            float[] eps = noise.standardNormal(per);
            float[] ni = noise.standardNormal(per);
            float[] offsets = args.noiseOffset() > 0 ? noise.standardNormal(channels) : null;
            for (int j = 0; j < per; j++) {
                int at = ((j / (side * side)) * p.height() + top + j / side % side) * p.width() + left + j % side;
                x0[i * per + j] = (p.mean()[at] + p.std()[at] * eps[j]) * scaling;
                n[i * per + j] = ni[j] + (offsets == null ? 0 : (float) args.noiseOffset() * offsets[j / (per / channels)]);
            }
            t[i] = random.nextInt(schedule.numTrainTimesteps());
            String caption;
            if (isClass) {
                weights[i] = args.priorPreservation().priorLossWeight() / instances;
                caption = args.priorPreservation().classPrompt();
            } else {
                // Min-SNR weighting (Hang et al. 2023) as the scripts apply it; v-prediction weighs by SNR + 1.
                double snr = schedule.snr(t[i]) + (velocity ? 1 : 0);
                weights[i] = (args.snrGamma() > 0 ? Math.min(snr, args.snrGamma()) / snr : 1) / instances;
                caption = p.caption() != null ? p.caption() : method.prompt(args.instancePrompt(), random);
            }
            if (args.proportionEmptyPrompts() > 0 && random.nextDouble() < args.proportionEmptyPrompts()) {
                caption = "";
            }
            captions[i] = caption;
        }
        float[] noisy = schedule.addNoise(x0, n, t);
        float[] target = velocity ? schedule.velocity(x0, n, t) : n;
        double[] timesteps = new double[b];
        for (int i = 0; i < b; i++) {
            timesteps[i] = t[i];
        }
        Map<String, TensorData> feed = new LinkedHashMap<>();
        feed.put("noisy_latents", floats(shape, noisy));
        feed.put("timesteps", TensorData.of(DType.FLOAT32, Shape.of(b), timesteps));
        if (method.trainsTextEncoder()) {
            long[] ids = new long[b * length];
            for (int i = 0; i < b; i++) {
                System.arraycopy(model.tokenizer().encode(captions[i]).inputIds(), 0, ids, i * length, length);
            }
            feed.put(INPUT_IDS, TensorData.ofLongs(ids, b, length));
        } else {
            feed.put(ENCODER_HIDDEN_STATES, stacked(captions, promptEmbeds));
        }
        feed.put("target", floats(shape, target));
        feed.put("loss_weights", TensorData.of(DType.FLOAT32, Shape.of(b), weights));
        // Micro-batches are consecutive samples: [A·B, ...] data is the step's [A, B, ...] as it is.
        for (Tensor input : step.batchInputs()) {
            TensorData all = feed.get(input.name());
            feed.put(input.name(), new TensorData(all.dtype(), step.stepShape(input), all.data()));
        }
        return feed;
    }

    /** Every prompt a step may take, for a method that trains none of the text encoder. */
    private Set<String> prompts(InstanceImages images) {
        Set<String> prompts = new LinkedHashSet<>();
        prompts.add(args.instancePrompt());
        for (InstanceImages.Image image : images.images()) {
            if (image.caption() != null) {
                prompts.add(method.caption(image.caption()));
            }
        }
        if (args.priorPreservation() != null) {
            prompts.add(args.priorPreservation().classPrompt());
        }
        if (args.proportionEmptyPrompts() > 0) {
            prompts.add("");
        }
        return prompts;
    }

    /**
     * Each prompt's text encoder output ({@code [1, length, hidden]}, in the training dtype), by the graph the step
     * would hold, run once each; held on the host, one per caption at most, as the latents are one per image.
     */
    private Map<String, TensorData> encodePrompts(StableDiffusion model, Set<String> prompts) {
        Graph g = Graph.create();
        Tensor ids = g.input(INPUT_IDS, DType.INT64, Shape.of(1, model.tokenizer().maxLength()));
        Tensor hidden = method.encodePrompt(g, model, ids).cast(args.dtype());
        Map<String, TensorData> embeds = new HashMap<>();
        try (Session s = Session.create(new Program(Map.of(INPUT_IDS, ids), Map.of(ENCODER_HIDDEN_STATES, hidden)),
                name -> baseWeight(model, g.weights().get(name)), args.device())) {
            for (String prompt : prompts) {
                TensorData out = TensorData.allocate(hidden.dtype(), hidden.shape());
                try (IoBinding binding = s.bindReleasingFreeMemory()) {
                    binding.input(INPUT_IDS, TensorData.ofLongs(model.tokenizer().encode(prompt).inputIds(), 1,
                            model.tokenizer().maxLength())).output(ENCODER_HIDDEN_STATES, out).run();
                }
                embeds.put(prompt, out);
            }
        }
        return embeds;
    }

    /** The samples' text encoder outputs, one after another: {@code [b, length, hidden]}. */
    private static TensorData stacked(String[] captions, Map<String, TensorData> promptEmbeds) {
        TensorData first = promptEmbeds.values().iterator().next();
        TensorData out = TensorData.allocate(first.dtype(), first.shape().with(0, captions.length));
        for (String caption : captions) {
            TensorData embeds = promptEmbeds.get(caption);
            if (embeds == null) {
                throw new IllegalStateException("no text encoder output was computed for the prompt '" + caption + "'");
            }
            out.data().put(embeds.data().duplicate().rewind());
        }
        out.data().rewind();
        return out;
    }

    /** {@code unet.<key>} and {@code text_encoder.<key>} from the model's files, in the weight's dtype. */
    private static TensorData baseWeight(StableDiffusion model, Tensor weight) {
        String name = weight.name();
        int dot = name.indexOf('.');
        WeightSource source = switch (name.substring(0, dot)) {
            case "unet" -> model.unet();
            case "text_encoder" -> model.textEncoder();
            default -> throw new IllegalArgumentException("no model component holds " + name);
        };
        return source.get(name.substring(dot + 1), weight.dtype());
    }

    private static TensorData floats(Shape shape, float[] values) {
        TensorData t = TensorData.allocate(DType.FLOAT32, shape);
        t.data().asFloatBuffer().put(values);
        return t;
    }
}
