package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.autodiff.CheckpointPolicy;
import io.sdtune.diffusion.autodiff.Gradients;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * An optimisation step as programs run one after another on the training state: a <em>gradient</em> program (forward
 * pass, backward pass, the gradients' global norm) and one <em>update</em> program per group of parameters (AdamW).
 * The gradient program maps (parameters, step count, batch) to the loss and the flat gradients, unscaled and
 * clipped; each update maps its group's parameters, moments and gradients to their next values.
 * {@link TrainingSession} runs them with the state kept on the device, so the state is never copied whole: a step
 * holds the state, the gradients and one group's next values at once, as PyTorch's optimizers hold the parameters,
 * their gradients and one foreach group's temporaries.
 *
 * <p>With {@code gradientAccumulationSteps = A > 1} the gradient program is run once per micro-batch and sums: it
 * also takes each bucket's gradient of the micro-batches before ({@code grad.<dtype>.<bucket>}, zeros for the first)
 * and gives the sum with its own as {@code next.grad.<dtype>.<bucket>}, unscaled and clipped by nothing; the updates
 * take the A-th run's sum times its {@link #GRAD_MULTIPLIER}: the mean gradient of an A-times larger batch, unscaled
 * and clipped, with the activations of one micro-batch alive at a time. Each batch input is then fed as
 * {@code [A, ...]} and the loss reported is the micro-batches' mean. (An ONNX {@code Loop} over the micro-batches in
 * one run held more: Textual Inversion's SD 1.5 step peaked at 10.6 GiB that way, at 8.9 this way; diffusion
 * README.)
 *
 * <p>Names: parameters keep their own names; the AdamW moments are flat vectors over buckets of
 * parameters of one dtype, in the order of the trainable list, {@code exp_avg.<dtype>.<bucket>} and
 * {@code exp_avg_sq.<dtype>.<bucket>} (PyTorch's state names), and a bucket's gradient is
 * {@code grad.<dtype>.<bucket>}. Small parameters share buckets of at most 2^28 values (one Java buffer each); a
 * parameter of {@link #SHARED_BELOW} values or more is a bucket of its own, updated without {@code Concat}/
 * {@code Split}, whose CUDA kernels move about 0.5 GB/s on an H100 (a shared bucket of a full SD UNet took seconds
 * to concatenate and split; BENCHMARKS.md). Consecutive buckets of up to {@link #GROUP_VALUES} parameter values
 * form an update group. The step count is {@code step}. Each state value comes back as output
 * {@code next.<name>} of the program that moves it on: the step count and the loss scaler from the gradient
 * program, parameters and moments from their update.
 */
public final class TrainingStep {
    public static final String STEP = "step";
    public static final String LR = "lr";
    public static final String LOSS = "loss";
    public static final String GRAD_NORM = "grad_norm";
    /**
     * What the gradients are multiplied by: {@code 1 / (A * loss scale)}, times {@code clip_grad_norm_}'s coefficient
     * {@code min(1, max_norm / (norm + 1e-6))} of the unscaled mean's norm when clipping. Without accumulation the
     * gradient program applies it to its outputs; when accumulating it is an output, which the updates apply. (Applied
     * by the updates also without accumulation, an SD 1.5 DreamBooth step peaked 0.6-0.9 GiB higher on an H100: ONNX
     * Runtime ordered and placed the backward pass's outputs differently.)
     */
    public static final String GRAD_MULTIPLIER = "grad_multiplier";
    public static final String GRAD_SCALE = "grad_scale";
    public static final String GROWTH_TRACKER = "growth_tracker";
    /** With loss scaling: whether the step's gradients are finite; an update keeps its values when they are not. */
    public static final String FINITE = "finite";

    /**
     * How to train: optimizer, clipping ({@code maxGradNorm <= 0}: off), micro-batches per step, recomputation, dynamic loss scaling for float16 compute ({@code null}: none), and 8-bit
     * moments ({@code null}: float moments in the parameters' dtype).
     */
    public record Options(AdamW optimizer, double maxGradNorm, int gradientAccumulationSteps,
            CheckpointPolicy checkpointing, LossScaling lossScaling, EightBitState eightBitState) {
        public Options {
            if (gradientAccumulationSteps < 1) {
                throw new IllegalArgumentException("gradientAccumulationSteps must be at least 1, got "
                        + gradientAccumulationSteps);
            }
        }

        /** The diffusers scripts' defaults: AdamW defaults, {@code --max_grad_norm 1.0}, no accumulation. */
        public static Options defaults() {
            return new Options(AdamW.defaults(), 1.0, 1, CheckpointPolicy.none(), null, null);
        }

        public Options withGradientAccumulationSteps(int a) {
            return new Options(optimizer, maxGradNorm, a, checkpointing, lossScaling, eightBitState);
        }

        public Options withMaxGradNorm(double norm) {
            return new Options(optimizer, norm, gradientAccumulationSteps, checkpointing, lossScaling, eightBitState);
        }

        public Options withOptimizer(AdamW adamw) {
            return new Options(adamw, maxGradNorm, gradientAccumulationSteps, checkpointing, lossScaling, eightBitState);
        }

        public Options withLossScaling(LossScaling scaling) {
            return new Options(optimizer, maxGradNorm, gradientAccumulationSteps, checkpointing, scaling, eightBitState);
        }

        public Options withCheckpointing(CheckpointPolicy policy) {
            return new Options(optimizer, maxGradNorm, gradientAccumulationSteps, policy, lossScaling, eightBitState);
        }

        public Options withEightBitState(EightBitState state) {
            return new Options(optimizer, maxGradNorm, gradientAccumulationSteps, checkpointing, lossScaling, state);
        }
    }

    private final Program gradient;
    private final List<Program> updates;
    private final List<Tensor> trainable;
    private final List<Tensor> optimizerState;
    private final List<Tensor> batchInputs;
    private final int gradientAccumulationSteps;
    private final LossScaling lossScaling;

    private TrainingStep(Program gradient, List<Program> updates, List<Tensor> trainable, List<Tensor> optimizerState,
            List<Tensor> batchInputs, Options options) {
        this.gradient = gradient;
        this.updates = updates;
        this.trainable = trainable;
        this.optimizerState = optimizerState;
        this.batchInputs = batchInputs;
        this.gradientAccumulationSteps = options.gradientAccumulationSteps();
        this.lossScaling = options.lossScaling();
    }

    /** Values in one bucket of flat moments at most: 1 GiB of float32, under Java's 2 GiB buffer limit. */
    static final long BUCKET_VALUES = 1L << 28;

    /**
     * Parameters smaller than this share buckets: for them a few shared kernels beat a dozen launches
     * each; larger ones are cheaper updated alone than copied through {@code Concat} and {@code Split}.
     */
    static final long SHARED_BELOW = 1L << 14;

    /**
     * Parameter values one update program moves on at most (or one larger bucket): the part of the state a step
     * holds twice. 2^28 float32 values are 1 GiB, a quarter of an SD 1.5 UNet, in four runs a step: each update
     * session also holds about 150 MB of the device outside the arena, and with groups of 2^26, thirteen sessions,
     * an SD 1.5 DreamBooth step peaked 0.1-0.4 GiB higher and ran 2-6% slower (BENCHMARKS.md).
     */
    static final long GROUP_VALUES = 1L << 28;

    public static String expAvg(DType dtype, int bucket) {
        return "exp_avg." + dtype.name().toLowerCase() + "." + bucket;
    }

    public static String expAvgSq(DType dtype, int bucket) {
        return "exp_avg_sq." + dtype.name().toLowerCase() + "." + bucket;
    }

    /** An 8-bit bucket's codes and block maxima: bitsandbytes' state names. */
    public static String state1(DType dtype, int bucket) {
        return "state1." + dtype.name().toLowerCase() + "." + bucket;
    }

    public static String state2(DType dtype, int bucket) {
        return "state2." + dtype.name().toLowerCase() + "." + bucket;
    }

    public static String absmax1(DType dtype, int bucket) {
        return "absmax1." + dtype.name().toLowerCase() + "." + bucket;
    }

    public static String absmax2(DType dtype, int bucket) {
        return "absmax2." + dtype.name().toLowerCase() + "." + bucket;
    }

    /** A bucket's flat gradient, an output of the gradient program and an input of the bucket's update. */
    public static String grad(DType dtype, int bucket) {
        return "grad." + dtype.name().toLowerCase() + "." + bucket;
    }

    public static String next(String state) {
        return "next." + state;
    }

    /** The state value an output moves on ({@code next.<name>}), else the output's own name. */
    public static String stateName(String output) {
        return output.startsWith("next.") ? output.substring("next.".length()) : output;
    }

    /**
     * Builds the step for {@code loss}, a scalar of the root graph over one micro-batch, training the
     * weights {@code trainable}. Every input the loss depends on becomes a batch input of the step.
     */
    public static TrainingStep build(Tensor loss, List<Tensor> trainable, Options options) {
        return build(loss, trainable, options, GROUP_VALUES);
    }

    /** {@link #build} with update groups of {@code groupValues} parameter values at most. */
    static TrainingStep build(Tensor loss, List<Tensor> trainable, Options options, long groupValues) {
        for (Tensor p : trainable) {
            if (p.kind() != Tensor.Kind.WEIGHT || !p.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("trainable tensors must be floating-point weights, got " + p);
            }
        }
        List<Tensor> batch = inputsOf(loss);
        List<Bucket> buckets = buckets(trainable, options.eightBitState());
        Program gradient = gradientProgram(new Objective(loss, trainable, batch, options), buckets);
        List<Tensor> optimizerState = new ArrayList<>();
        List<Program> updates = new ArrayList<>();
        for (List<Bucket> group : groups(buckets, trainable, groupValues)) {
            Update update = Update.build(group, trainable, options);
            updates.add(update.program());
            optimizerState.addAll(update.moments());
        }
        gradient.inputs().values().stream().filter(t -> t.name().equals(GRAD_SCALE) || t.name().equals(GROWTH_TRACKER))
                .forEach(optimizerState::add);
        return new TrainingStep(gradient, List.copyOf(updates), List.copyOf(trainable), List.copyOf(optimizerState),
                batch, options);
    }

    /**
     * The gradient program: inputs {@code step}, the parameters, the loss scaler, one micro-batch and, when
     * accumulating, the gradients summed so far; outputs the micro-batch's loss, the gradients' norm (unscaled,
     * averaged), each bucket's gradient (unscaled and clipped; when accumulating, of the loss times the loss scale,
     * summed with those before it, and the {@link #GRAD_MULTIPLIER}), the next step count and, with loss scaling, the
     * next scaler and whether the gradients are finite.
     */
    private static Program gradientProgram(Objective objective, List<Bucket> buckets) {
        Options options = objective.options();
        Graph g = objective.loss().graph();
        Tensor step = g.input(STEP, DType.INT64, Shape.SCALAR);
        LossScaling scaling = options.lossScaling();
        List<Tensor> scaler = scaling == null ? List.of()
                : List.of(g.input(GRAD_SCALE, DType.FLOAT32, Shape.SCALAR), g.input(GROWTH_TRACKER, DType.INT64, Shape.SCALAR));
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        put(inputs, List.of(step));
        put(inputs, objective.trainable());
        put(inputs, scaler);
        put(inputs, objective.batch());
        Tensor scale = scaler.isEmpty() ? null : scaler.get(0);
        Gradient gradient = objective.differentiate(buckets, scale);
        int a = options.gradientAccumulationSteps();
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put(LOSS, gradient.loss());
        List<Tensor> flat = new ArrayList<>();
        for (int k = 0; k < buckets.size(); k++) {
            Tensor grad = gradient.flat().get(k);
            if (a > 1) {
                String name = buckets.get(k).gradName();
                Tensor before = g.input(name, grad.dtype(), grad.shape());
                inputs.put(name, before);
                grad = before.add(grad);
                outputs.put(next(name), grad);
            }
            flat.add(grad);
        }
        Tensor unscale = g.scalar(1.0 / a, DType.FLOAT32);
        if (scale != null) {
            unscale = unscale.div(scale);
        }
        Tensor norm = GradientClipping.globalNorm(flat).mul(unscale);
        Tensor multiplier = options.maxGradNorm() > 0
                ? unscale.mul(GradientClipping.coefficient(norm, options.maxGradNorm())) : unscale;
        outputs.put(GRAD_NORM, norm);
        if (a > 1) {
            outputs.put(GRAD_MULTIPLIER, multiplier);
        } else {
            for (int k = 0; k < buckets.size(); k++) {
                Tensor grad = flat.get(k);
                outputs.put(buckets.get(k).gradName(), grad.mul(multiplier.cast(grad.dtype())));
            }
        }
        Tensor taken = step.add(1);
        if (scaling == null) {
            outputs.put(next(STEP), taken);
        } else {
            // A step whose gradients overflow is skipped: the count stays, the updates keep their values.
            Tensor finite = norm.isFinite();
            List<Tensor> nextScaler = scaling.next(scaler.get(0), scaler.get(1), finite);
            outputs.put(next(STEP), Tensor.where(finite, taken, step));
            outputs.put(next(GRAD_SCALE), nextScaler.get(0));
            outputs.put(next(GROWTH_TRACKER), nextScaler.get(1));
            outputs.put(FINITE, finite);
        }
        return new Program(inputs, outputs);
    }

    /** The program that computes a micro-batch's loss, the gradients and the step count (see the class comment). */
    public Program gradient() {
        return gradient;
    }

    /**
     * The update programs, one per group of parameters: inputs {@code step} (the count with this step), {@code lr},
     * with loss scaling {@link #FINITE}, and the group's gradients, parameters and moments; outputs their next
     * values.
     */
    public List<Program> updates() {
        return updates;
    }

    public List<Tensor> trainable() {
        return trainable;
    }

    /**
     * The AdamW moment inputs of the updates (flat, one pair per bucket; with 8-bit state, codes and block maxima
     * for the large parameters) and, with loss scaling, the scaler's state of the gradient program.
     */
    public List<Tensor> optimizerState() {
        return optimizerState;
    }

    /** The value an {@link #optimizerState} input starts from: zero, or the initial loss scale. */
    public TensorData initialValue(Tensor optimizerStateInput) {
        TensorData value = TensorData.allocate(optimizerStateInput.dtype(), optimizerStateInput.shape());
        if (optimizerStateInput.name().equals(GRAD_SCALE)) {
            value.set(0, lossScaling.initScale());
        }
        return value;
    }

    /**
     * The device memory a step holds at its peak, before any session exists: the state, the frozen weights, every
     * program's constants and the batch throughout; at once, the gradient program's computed values (its gradients
     * included) or the gradients with the largest update's computed values, each program's as ONNX Runtime holds
     * them ({@link MemoryEstimate#held}).
     */
    public MemoryEstimate memoryEstimate() {
        MemoryEstimate forward = MemoryEstimate.of(gradient).held();
        List<MemoryEstimate> perUpdate = updates.stream().map(u -> MemoryEstimate.of(u).held()).toList();
        long grads = gradient.outputs().entrySet().stream().filter(e -> isGradient(stateName(e.getKey())))
                .mapToLong(e -> e.getValue().byteSize()).sum();
        long update = perUpdate.stream().mapToLong(MemoryEstimate::peakComputed).max().orElse(0);
        long constants = perUpdate.stream().mapToLong(MemoryEstimate::weights).sum();
        long moments = optimizerState.stream().filter(t -> !gradient.inputs().containsKey(t.name()))
                .mapToLong(Tensor::byteSize).sum();
        return new MemoryEstimate(forward.weights() + constants, forward.inputs() + moments,
                Math.max(forward.peakComputed(), grads + update));
    }

    /** When accumulating, the gradient program's inputs of the gradients summed over the micro-batches before. */
    public List<Tensor> gradientSums() {
        return gradient.inputs().values().stream().filter(t -> isGradient(t.name())).toList();
    }

    /** Whether a value is a bucket's gradient, by its (state) name. */
    private static boolean isGradient(String name) {
        return name.startsWith("grad.");
    }

    /** The data inputs of one micro-batch; one step's value of each is {@link #stepShape}d. */
    public List<Tensor> batchInputs() {
        return batchInputs;
    }

    /** The shape of one step's data for the micro-batch input {@code b}: {@code [A, ...]} when accumulating. */
    public Shape stepShape(Tensor b) {
        return perStep(b, gradientAccumulationSteps);
    }

    private static Shape perStep(Tensor microBatchInput, int accumulationSteps) {
        return accumulationSteps == 1 ? microBatchInput.shape() : Shape.of(accumulationSteps).concat(microBatchInput.shape());
    }

    public int gradientAccumulationSteps() {
        return gradientAccumulationSteps;
    }

    /**
     * Parameters (indices into the trainable list) that share one flat pair of moments, the {@code index}-th bucket
     * of its dtype; a quantized bucket holds one parameter, as bitsandbytes quantizes each parameter's moments in
     * blocks of its own.
     */
    private record Bucket(DType dtype, int index, List<Integer> members, boolean quantized) {
        long size(List<Tensor> params) {
            return members.stream().mapToLong(i -> params.get(i).shape().size()).sum();
        }

        String gradName() {
            return grad(dtype, index);
        }
    }

    /**
     * Buckets per dtype, in order of first appearance: each parameter that {@code eightBit} quantizes alone and
     * quantized, each other one of {@link #SHARED_BELOW} values or more alone, the smaller ones together, up to
     * {@link #BUCKET_VALUES} a bucket.
     */
    private static List<Bucket> buckets(List<Tensor> params, EightBitState eightBit) {
        List<Bucket> buckets = new ArrayList<>();
        for (DType dtype : params.stream().map(Tensor::dtype).distinct().toList()) {
            int index = 0;
            List<Integer> small = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                long size = params.get(i).shape().size();
                if (params.get(i).dtype() != dtype) {
                    continue;
                }
                if (eightBit != null && eightBit.quantizes(size)) {
                    buckets.add(new Bucket(dtype, index++, List.of(i), true));
                } else if (size >= SHARED_BELOW) {
                    buckets.add(new Bucket(dtype, index++, List.of(i), false));
                } else {
                    small.add(i);
                }
            }
            for (List<Integer> members : packed(small, i -> params.get(i).shape().size(), BUCKET_VALUES)) {
                buckets.add(new Bucket(dtype, index++, members, false));
            }
        }
        return buckets;
    }

    /** Consecutive buckets of at most {@code groupValues} parameter values together (a larger bucket alone). */
    private static List<List<Bucket>> groups(List<Bucket> buckets, List<Tensor> params, long groupValues) {
        return packed(buckets, b -> b.size(params), groupValues);
    }

    /** {@code items} in order, in runs of at most {@code capacity} in total {@code size} (a larger item alone). */
    private static <T> List<List<T>> packed(List<T> items, ToLongFunction<T> size, long capacity) {
        List<List<T>> runs = new ArrayList<>();
        List<T> run = new ArrayList<>();
        long filled = 0;
        for (T item : items) {
            long n = size.applyAsLong(item);
            if (!run.isEmpty() && filled + n > capacity) {
                runs.add(run);
                run = new ArrayList<>();
                filled = 0;
            }
            run.add(item);
            filled += n;
        }
        if (!run.isEmpty()) {
            runs.add(run);
        }
        return runs;
    }

    /** An update program and the moments it reads, the inputs that start at zero. */
    private record Update(Program program, List<Tensor> moments) {

        /** AdamW for the buckets of {@code group}, in a graph of their own. */
        static Update build(List<Bucket> group, List<Tensor> trainable, Options options) {
            Graph g = Graph.create();
            Tensor t = g.input(STEP, DType.INT64, Shape.SCALAR);
            Tensor lr = g.input(LR, DType.FLOAT64, Shape.SCALAR);
            Tensor finite = options.lossScaling() == null ? null : g.input(FINITE, DType.BOOL, Shape.SCALAR);
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            put(inputs, finite == null ? List.of(t, lr) : List.of(t, lr, finite));
            Tensor multiplier = null;
            if (options.gradientAccumulationSteps() > 1) {
                multiplier = g.input(GRAD_MULTIPLIER, DType.FLOAT32, Shape.SCALAR);
                put(inputs, List.of(multiplier));
            }
            List<Tensor> moments = new ArrayList<>();
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            Quantizers quantizers = group.stream().anyMatch(Bucket::quantized)
                    ? Quantizers.in(g, options.eightBitState()) : null;
            for (Bucket b : group) {
                List<Tensor> params = b.members().stream().map(trainable::get)
                        .map(p -> g.input(p.name(), p.dtype(), p.shape())).toList();
                Tensor grad = g.input(b.gradName(), b.dtype(), Shape.of(b.size(trainable)));
                List<Tensor> state = momentInputs(g, b, grad.shape().size(), options.eightBitState());
                put(inputs, List.of(grad));
                put(inputs, params);
                put(inputs, state);
                moments.addAll(state);
                List<Tensor> before = new ArrayList<>(params);
                before.addAll(state);
                Tensor mean = multiplier == null ? grad : grad.mul(multiplier.cast(grad.dtype()));
                List<Tensor> after = adamw(b, params, mean, state, lr, t.cast(DType.FLOAT64), options, quantizers);
                for (int i = 0; i < before.size(); i++) {
                    Tensor value = finite == null ? after.get(i) : Tensor.where(finite, after.get(i), before.get(i));
                    outputs.put(next(before.get(i).name()), value);
                }
            }
            return new Update(new Program(inputs, outputs), moments);
        }

        /** A bucket's moments as inputs: two flat vectors, or for a quantized one its codes and block maxima. */
        private static List<Tensor> momentInputs(Graph g, Bucket b, long size, EightBitState eightBit) {
            if (!b.quantized()) {
                return List.of(g.input(expAvg(b.dtype(), b.index()), b.dtype(), Shape.of(size)),
                        g.input(expAvgSq(b.dtype(), b.index()), b.dtype(), Shape.of(size)));
            }
            Shape codes = Shape.of(eightBit.blocks(size) * eightBit.blockSize());
            Shape blocks = Shape.of(eightBit.blocks(size));
            return List.of(g.input(state1(b.dtype(), b.index()), DType.UINT8, codes),
                    g.input(state2(b.dtype(), b.index()), DType.UINT8, codes),
                    g.input(absmax1(b.dtype(), b.index()), DType.FLOAT32, blocks),
                    g.input(absmax2(b.dtype(), b.index()), DType.FLOAT32, blocks));
        }

        /** The bucket's next parameters and moments, in the order of its parameters and {@code state}. */
        private static List<Tensor> adamw(Bucket b, List<Tensor> params, Tensor grad, List<Tensor> state, Tensor lr,
                Tensor tf, Options options, Quantizers quantizers) {
            AdamW adamw = options.optimizer();
            List<Tensor> next = new ArrayList<>();
            if (!b.quantized()) {
                AdamW.Update u = adamw.apply(params, grad, state.get(0), state.get(1), lr, tf);
                next.addAll(u.params());
                next.addAll(List.of(u.expAvg(), u.expAvgSq()));
                return next;
            }
            Tensor g32 = grad.cast(DType.FLOAT32);
            long padding = state.get(0).shape().size() - g32.shape().size();
            g32 = padding == 0 ? g32 : g32.pad(0, padding);
            Tensor m1 = adamw.firstMoment(g32, quantizers.firstMoment().dequantize(state.get(0), state.get(2)));
            Tensor m2 = adamw.secondMoment(g32, quantizers.secondMoment().dequantize(state.get(1), state.get(3)));
            next.addAll(adamw.step(params, adamw.direction(m1, m2, lr, tf), lr));
            BlockwiseQuantization.Quantized q1 = quantizers.firstMoment().quantize(m1);
            BlockwiseQuantization.Quantized q2 = quantizers.secondMoment().quantize(m2);
            next.addAll(List.of(q1.codes(), q2.codes(), q1.absmax(), q2.absmax()));
            return next;
        }
    }

    /** The moments' quantizations in one update program, their tables shared by its buckets. */
    private record Quantizers(BlockwiseQuantization.InGraph firstMoment, BlockwiseQuantization.InGraph secondMoment) {
        static Quantizers in(Graph g, EightBitState eightBit) {
            return new Quantizers(BlockwiseQuantization.signed(eightBit.blockSize()).in(g),
                    BlockwiseQuantization.unsigned(eightBit.blockSize()).in(g));
        }
    }

    /** A step's loss and its gradient (of the loss times the loss scale, if any), one flat vector per bucket. */
    private record Gradient(Tensor loss, List<Tensor> flat) {
    }

    /** The micro-batch loss as built, with what it is differentiated for. */
    private record Objective(Tensor loss, List<Tensor> trainable, List<Tensor> batch, Options options) {

        /** The loss and its gradient, of the loss times {@code scale} when there is one, one flat vector a bucket. */
        Gradient differentiate(List<Bucket> buckets, Tensor scale) {
            Tensor scaled = scale == null ? loss : loss.mul(scale.cast(loss.dtype()));
            Map<Tensor, Tensor> grads = Gradients.of(scaled, trainable, options.checkpointing());
            List<Tensor> flat = new ArrayList<>();
            for (Bucket b : buckets) {
                List<Tensor> pieces = b.members().stream().map(i -> grads.get(trainable.get(i)).reshape(-1)).toList();
                flat.add(pieces.size() == 1 ? pieces.get(0) : Tensor.concat(0, pieces));
            }
            return new Gradient(loss, flat);
        }
    }

    private static void put(Map<String, Tensor> inputs, List<Tensor> tensors) {
        tensors.forEach(t -> inputs.put(t.name(), t));
    }

    /** The input leaves {@code loss} depends on, sorted by name. */
    private static List<Tensor> inputsOf(Tensor loss) {
        Set<Tensor> seen = new HashSet<>();
        List<Tensor> stack = new ArrayList<>(List.of(loss));
        Set<Tensor> found = new HashSet<>();
        while (!stack.isEmpty()) {
            Tensor t = stack.remove(stack.size() - 1);
            if (!seen.add(t)) {
                continue;
            }
            if (t.kind() == Tensor.Kind.INPUT) {
                found.add(t);
            } else if (t.producer() != null) {
                stack.addAll(t.producer().inputs());
            }
        }
        List<Tensor> ordered = new ArrayList<>(found);
        ordered.sort(Comparator.comparing(Tensor::name));
        return ordered;
    }
}
