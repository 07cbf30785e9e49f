package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.autodiff.CheckpointPolicy;
import io.sdtune.diffusion.autodiff.Gradients;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Subgraph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whole optimisation step as one graph: forward pass, backward pass, optional gradient clipping and
 * the AdamW update. The program maps (parameters, moments, step count, learning rate, batch) to the
 * loss and the next parameters, moments and step count, so a step is repeated by feeding outputs
 * back as inputs ({@link TrainingSession} does that).
 *
 * <p>With {@code gradientAccumulationSteps = A > 1} the loss is built for one micro-batch and its
 * gradient is summed over A micro-batches by an ONNX {@code Loop} before one clipped AdamW update with
 * the mean: the gradient of an A-times larger batch, with the activations of one micro-batch alive at a
 * time. Each batch input is then fed as {@code [A, ...]} and the loss reported is the micro-batches'
 * mean.
 *
 * <p>With {@code stepsPerRun = K > 1} the step becomes the body of an ONNX {@code Loop} that runs K
 * times in one {@code session.run}: parameters and moments stay on the device between those steps,
 * each batch input is fed stacked as {@code [K, ...]} (outside the accumulation axis), the learning
 * rate as {@code [K]}, and the loss comes back as {@code [K]}.
 *
 * <p>Names: parameters keep their own names; the AdamW moments are flat vectors over buckets of
 * parameters of one dtype, in the order of the trainable list, {@code exp_avg.<dtype>.<bucket>} and
 * {@code exp_avg_sq.<dtype>.<bucket>} (PyTorch's state names). Small parameters share buckets of at
 * most 2^28 values (one Java buffer each); a parameter of {@link #SHARED_BELOW} values or more is a
 * bucket of its own, updated without {@code Concat}/{@code Split}, whose CUDA kernels move about
 * 0.5 GB/s on an H100 (a shared bucket of a full SD UNet took seconds to concatenate and split;
 * BENCHMARKS.md). The step count is {@code step}. Each state value comes back as output
 * {@code next.<name>}.
 */
public final class TrainingStep {
    public static final String STEP = "step";
    public static final String LR = "lr";
    public static final String LOSS = "loss";
    public static final String GRAD_NORM = "grad_norm";
    public static final String GRAD_SCALE = "grad_scale";
    public static final String GROWTH_TRACKER = "growth_tracker";

    /**
     * How to train: optimizer, clipping ({@code maxGradNorm <= 0}: off), micro-batches per step, steps
     * per run, recomputation, dynamic loss scaling for float16 compute ({@code null}: none), and 8-bit
     * moments ({@code null}: float moments in the parameters' dtype).
     */
    public record Options(AdamW optimizer, double maxGradNorm, int gradientAccumulationSteps, int stepsPerRun,
            CheckpointPolicy checkpointing, LossScaling lossScaling, EightBitState eightBitState) {
        public Options {
            if (gradientAccumulationSteps < 1 || stepsPerRun < 1) {
                throw new IllegalArgumentException("gradientAccumulationSteps and stepsPerRun must be at least 1, got "
                        + gradientAccumulationSteps + " and " + stepsPerRun);
            }
        }

        /** The diffusers scripts' defaults: AdamW defaults, {@code --max_grad_norm 1.0}, no accumulation. */
        public static Options defaults() {
            return new Options(AdamW.defaults(), 1.0, 1, 1, CheckpointPolicy.none(), null, null);
        }

        public Options withStepsPerRun(int k) {
            return new Options(optimizer, maxGradNorm, gradientAccumulationSteps, k, checkpointing, lossScaling,
                    eightBitState);
        }

        public Options withGradientAccumulationSteps(int a) {
            return new Options(optimizer, maxGradNorm, a, stepsPerRun, checkpointing, lossScaling, eightBitState);
        }

        public Options withMaxGradNorm(double norm) {
            return new Options(optimizer, norm, gradientAccumulationSteps, stepsPerRun, checkpointing, lossScaling,
                    eightBitState);
        }

        public Options withOptimizer(AdamW adamw) {
            return new Options(adamw, maxGradNorm, gradientAccumulationSteps, stepsPerRun, checkpointing, lossScaling,
                    eightBitState);
        }

        public Options withLossScaling(LossScaling scaling) {
            return new Options(optimizer, maxGradNorm, gradientAccumulationSteps, stepsPerRun, checkpointing, scaling,
                    eightBitState);
        }

        public Options withCheckpointing(CheckpointPolicy policy) {
            return new Options(optimizer, maxGradNorm, gradientAccumulationSteps, stepsPerRun, policy, lossScaling,
                    eightBitState);
        }

        public Options withEightBitState(EightBitState state) {
            return new Options(optimizer, maxGradNorm, gradientAccumulationSteps, stepsPerRun, checkpointing,
                    lossScaling, state);
        }
    }

    private final Program program;
    private final List<Tensor> trainable;
    private final List<Tensor> optimizerState;
    private final List<Tensor> batchInputs;
    private final int gradientAccumulationSteps;
    private final int stepsPerRun;
    private final LossScaling lossScaling;

    private TrainingStep(Program program, List<Tensor> trainable, List<Tensor> optimizerState, List<Tensor> batchInputs,
            Options options) {
        this.program = program;
        this.trainable = trainable;
        this.optimizerState = optimizerState;
        this.batchInputs = batchInputs;
        this.gradientAccumulationSteps = options.gradientAccumulationSteps();
        this.stepsPerRun = options.stepsPerRun();
        this.lossScaling = options.lossScaling();
    }

    /** Values in one bucket of flat moments at most: 1 GiB of float32, under Java's 2 GiB buffer limit. */
    static final long BUCKET_VALUES = 1L << 28;

    /**
     * Parameters smaller than this share buckets: for them a few shared kernels beat a dozen launches
     * each; larger ones are cheaper updated alone than copied through {@code Concat} and {@code Split}.
     */
    static final long SHARED_BELOW = 1L << 14;

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

    public static String next(String state) {
        return "next." + state;
    }

    /**
     * Builds the step for {@code loss}, a scalar of the root graph over one micro-batch, training the
     * weights {@code trainable}. Every input the loss depends on becomes a batch input of the step.
     */
    public static TrainingStep build(Tensor loss, List<Tensor> trainable, Options options) {
        Graph g = loss.graph();
        if (g.parent() != null) {
            throw new IllegalArgumentException("the loss must be built in a root graph");
        }
        for (Tensor p : trainable) {
            if (p.kind() != Tensor.Kind.WEIGHT || !p.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("trainable tensors must be floating-point weights, got " + p);
            }
        }
        List<Tensor> batch = inputsOf(loss);
        Objective objective = new Objective(loss, trainable, batch, options);
        State state = State.inputs(g, "", trainable, options);
        int k = options.stepsPerRun();
        Tensor lr = g.input(LR, DType.FLOAT64, k == 1 ? Shape.SCALAR : Shape.of(k));

        Map<String, Tensor> inputs = new LinkedHashMap<>();
        put(inputs, List.of(state.step(), lr));
        put(inputs, state.values().subList(1, state.values().size()));
        Map<Tensor, Tensor> data = new LinkedHashMap<>();
        for (Tensor b : batch) {
            Shape perStep = objective.stepShape(b);
            Shape fed = k == 1 ? perStep : Shape.of(k).concat(perStep);
            Tensor input = fed.equals(b.shape()) ? b : g.input(b.name(), b.dtype(), fed);
            inputs.put(b.name(), input);
            data.put(b, input);
        }
        Result result = k == 1 ? update(objective, data, state, lr, options) : loop(objective, data, state, lr, options);
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put(LOSS, result.loss());
        outputs.put(GRAD_NORM, result.gradNorm());
        List<Tensor> names = state.values();
        List<Tensor> values = result.next().values();
        for (int i = 0; i < names.size(); i++) {
            outputs.put(next(names.get(i).name()), values.get(i));
        }
        return new TrainingStep(new Program(inputs, outputs), List.copyOf(trainable), state.optimizerState(), batch, options);
    }

    public Program program() {
        return program;
    }

    public List<Tensor> trainable() {
        return trainable;
    }

    /**
     * The AdamW moment inputs (flat, one pair per bucket; with 8-bit state, codes and block maxima for the large
     * parameters) and, with loss scaling, the scaler's state.
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
     * The data inputs of one micro-batch. One step's value of each is {@link #stepShape}d; several steps
     * per run are fed stacked as {@code [stepsPerRun, ...]}.
     */
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

    public int stepsPerRun() {
        return stepsPerRun;
    }

    /**
     * Parameters (indices into the trainable list) that share one flat pair of moments; a quantized bucket
     * holds one parameter, as bitsandbytes quantizes each parameter's moments in blocks of its own.
     */
    private record Bucket(DType dtype, List<Integer> members, boolean quantized) {
        long size(List<Tensor> params) {
            return members.stream().mapToLong(i -> params.get(i).shape().size()).sum();
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
            List<Integer> shared = new ArrayList<>();
            long filled = 0;
            for (int i = 0; i < params.size(); i++) {
                long size = params.get(i).shape().size();
                if (params.get(i).dtype() != dtype) {
                    continue;
                }
                if (eightBit != null && eightBit.quantizes(size)) {
                    buckets.add(new Bucket(dtype, List.of(i), true));
                    continue;
                }
                if (size >= SHARED_BELOW) {
                    buckets.add(new Bucket(dtype, List.of(i), false));
                    continue;
                }
                if (!shared.isEmpty() && filled + size > BUCKET_VALUES) {
                    buckets.add(new Bucket(dtype, shared, false));
                    shared = new ArrayList<>();
                    filled = 0;
                }
                shared.add(i);
                filled += size;
            }
            if (!shared.isEmpty()) {
                buckets.add(new Bucket(dtype, shared, false));
            }
        }
        return buckets;
    }

    /**
     * What a step hands to the next: the step count, the parameters, for each bucket the flat first and
     * second moments (an 8-bit bucket's codes), for each 8-bit bucket the two moments' block maxima, and with
     * loss scaling the scale and the count of finite steps since it changed.
     */
    record State(Tensor step, List<Tensor> params, List<Bucket> buckets, List<Tensor> expAvg, List<Tensor> expAvgSq,
            List<Tensor> absmax1, List<Tensor> absmax2, List<Tensor> scaler) {

        /** The state as inputs of {@code g}, names prefixed by {@code prefix}. */
        static State inputs(Graph g, String prefix, List<Tensor> params, Options options) {
            EightBitState eightBit = options.eightBitState();
            List<Bucket> buckets = TrainingStep.buckets(params, eightBit);
            List<Tensor> m = new ArrayList<>();
            List<Tensor> v = new ArrayList<>();
            List<Tensor> absmax1 = new ArrayList<>();
            List<Tensor> absmax2 = new ArrayList<>();
            int[] perDtype = new int[DType.values().length];
            for (Bucket b : buckets) {
                int index = perDtype[b.dtype().ordinal()]++;
                long size = b.size(params);
                if (b.quantized()) {
                    Shape codes = Shape.of(eightBit.blocks(size) * eightBit.blockSize());
                    Shape blocks = Shape.of(eightBit.blocks(size));
                    m.add(g.input(prefix + TrainingStep.state1(b.dtype(), index), DType.UINT8, codes));
                    v.add(g.input(prefix + TrainingStep.state2(b.dtype(), index), DType.UINT8, codes));
                    absmax1.add(g.input(prefix + TrainingStep.absmax1(b.dtype(), index), DType.FLOAT32, blocks));
                    absmax2.add(g.input(prefix + TrainingStep.absmax2(b.dtype(), index), DType.FLOAT32, blocks));
                } else {
                    m.add(g.input(prefix + TrainingStep.expAvg(b.dtype(), index), b.dtype(), Shape.of(size)));
                    v.add(g.input(prefix + TrainingStep.expAvgSq(b.dtype(), index), b.dtype(), Shape.of(size)));
                }
            }
            List<Tensor> own = prefix.isEmpty() ? params
                    : params.stream().map(p -> g.input(prefix + p.name(), p.dtype(), p.shape())).toList();
            List<Tensor> scaler = options.lossScaling() != null
                    ? List.of(g.input(prefix + GRAD_SCALE, DType.FLOAT32, Shape.SCALAR),
                            g.input(prefix + GROWTH_TRACKER, DType.INT64, Shape.SCALAR))
                    : List.of();
            return new State(g.input(prefix + STEP, DType.INT64, Shape.SCALAR), own, buckets, m, v, absmax1, absmax2,
                    scaler);
        }

        /** The inputs that start at zero or a set value rather than from the parameters. */
        List<Tensor> optimizerState() {
            List<Tensor> all = new ArrayList<>(expAvg);
            all.addAll(expAvgSq);
            all.addAll(absmax1);
            all.addAll(absmax2);
            all.addAll(scaler);
            return all;
        }

        /** [step, params..., exp_avg per bucket..., exp_avg_sq per bucket..., absmax1..., absmax2..., scaler...]. */
        List<Tensor> values() {
            List<Tensor> all = new ArrayList<>(List.of(step));
            all.addAll(params);
            all.addAll(optimizerState());
            return all;
        }

        /** A state of this one's layout holding {@code values}, in the order of {@link #values}. */
        State withValues(List<Tensor> values) {
            int n = params.size();
            int k = buckets.size();
            int q = absmax1.size();
            int at = 1 + n;
            return new State(values.get(0), values.subList(1, at), buckets, values.subList(at, at + k),
                    values.subList(at + k, at + 2 * k), values.subList(at + 2 * k, at + 2 * k + q),
                    values.subList(at + 2 * k + q, at + 2 * k + 2 * q), values.subList(at + 2 * k + 2 * q, values.size()));
        }
    }

    private record Result(Tensor loss, Tensor gradNorm, State next) {
    }

    /** A step's loss and its gradient (of the loss times the loss scale, if any), one flat vector per bucket. */
    private record Gradient(Tensor loss, List<Tensor> flat) {
    }

    /**
     * The micro-batch loss as built, with what it is differentiated for: rebuilt wherever a step is
     * built (the root graph, or a loop body) over that place's data and parameter values.
     */
    private record Objective(Tensor loss, List<Tensor> trainable, List<Tensor> batch, Options options) {

        Shape stepShape(Tensor b) {
            return perStep(b, options.gradientAccumulationSteps());
        }

        /**
         * The step's mean loss and gradient w.r.t. {@code params}, built in their graph; {@code data}
         * maps each micro-batch input to the step's value for it ({@link #stepShape}).
         */
        Gradient gradient(Map<Tensor, Tensor> data, List<Tensor> params, List<Bucket> buckets, Tensor scale) {
            int a = options.gradientAccumulationSteps();
            if (a == 1) {
                return differentiate(params.get(0).graph(), data, params, buckets, scale);
            }
            Graph g = params.get(0).graph();
            Graph body = g.subgraph();
            Tensor iter = body.input("accumulate.iter", DType.INT64, Shape.SCALAR);
            Tensor cond = body.input("accumulate.cond", DType.BOOL, Shape.SCALAR);
            Tensor lossSum = body.input("accumulate.loss", loss.dtype(), Shape.SCALAR);
            List<Tensor> gradSums = new ArrayList<>();
            for (int k = 0; k < buckets.size(); k++) {
                Bucket b = buckets.get(k);
                gradSums.add(body.input("accumulate.grad." + k, b.dtype(), Shape.of(b.size(params))));
            }
            Map<Tensor, Tensor> micro = new LinkedHashMap<>();
            data.forEach((input, value) -> micro.put(input, value.gather(iter, 0)));
            // Body-local aliases, so that everything computed from the parameters is rebuilt inside the
            // body, where the backward pass is built.
            List<Tensor> aliases = params.stream().map(p -> body.apply("Identity", List.of(p), Map.of(),
                    List.of(p.dtype()), List.of(p.shape())).get(0)).toList();
            Gradient one = differentiate(body, micro, aliases, buckets, scale);

            List<Tensor> formals = new ArrayList<>(List.of(iter, cond, lossSum));
            formals.addAll(gradSums);
            List<Tensor> results = new ArrayList<>(List.of(cond, lossSum.add(one.loss())));
            List<Tensor> initial = new ArrayList<>(List.of(g.scalar(a, DType.INT64),
                    g.constant(TensorData.scalar(DType.BOOL, 1)), g.scalar(0, loss.dtype())));
            for (int k = 0; k < buckets.size(); k++) {
                results.add(gradSums.get(k).add(one.flat().get(k)));
                initial.add(g.zeros(gradSums.get(k).dtype(), gradSums.get(k).shape()));
            }
            List<Tensor> sums = g.apply("Loop", initial, Map.of("body", new Subgraph(body, formals, results)),
                    formals.subList(2, formals.size()).stream().map(Tensor::dtype).toList(),
                    formals.subList(2, formals.size()).stream().map(Tensor::shape).toList());
            return new Gradient(sums.get(0).mul(1.0 / a), sums.subList(1, sums.size()).stream().map(s -> s.mul(1.0 / a)).toList());
        }

        /**
         * The loss over {@code data} and {@code params} (rebuilt in {@code g} where they differ) and its
         * gradient, of the loss times {@code scale} when there is one.
         */
        private Gradient differentiate(Graph g, Map<Tensor, Tensor> data, List<Tensor> params, List<Bucket> buckets,
                Tensor scale) {
            Map<Tensor, Tensor> replacements = new HashMap<>();
            data.forEach((input, value) -> {
                if (input != value) {
                    replacements.put(input, value);
                }
            });
            for (int i = 0; i < params.size(); i++) {
                if (trainable.get(i) != params.get(i)) {
                    replacements.put(trainable.get(i), params.get(i));
                }
            }
            Tensor l = replacements.isEmpty() ? loss : g.rebuild(loss, replacements);
            Tensor scaled = scale == null ? l : l.mul(scale.cast(l.dtype()));
            Map<Tensor, Tensor> grads = Gradients.of(scaled, params, options.checkpointing());
            List<Tensor> flat = new ArrayList<>();
            for (Bucket b : buckets) {
                List<Tensor> pieces = b.members().stream().map(i -> grads.get(params.get(i)).reshape(-1)).toList();
                flat.add(pieces.size() == 1 ? pieces.get(0) : Tensor.concat(0, pieces));
            }
            return new Gradient(l, flat);
        }
    }

    private static Result update(Objective objective, Map<Tensor, Tensor> data, State state, Tensor lr, Options options) {
        LossScaling scaling = options.lossScaling();
        Tensor scale = scaling == null ? null : state.scaler().get(0);
        Gradient gradient = objective.gradient(data, state.params(), state.buckets(), scale);
        List<Tensor> flatGrads = gradient.flat();
        if (scale != null) {
            Tensor inverse = scale.graph().scalar(1, DType.FLOAT32).div(scale);
            flatGrads = flatGrads.stream().map(g -> g.mul(inverse.cast(g.dtype()))).toList();
        }
        Tensor norm = GradientClipping.globalNorm(flatGrads);
        if (options.maxGradNorm() > 0) {
            flatGrads = GradientClipping.clip(flatGrads, norm, options.maxGradNorm());
        }
        Tensor t = state.step().add(1);
        Tensor tf = t.cast(DType.FLOAT64);
        Tensor[] nextParams = new Tensor[state.params().size()];
        List<Tensor> m = new ArrayList<>();
        List<Tensor> v = new ArrayList<>();
        List<Tensor> absmax1 = new ArrayList<>();
        List<Tensor> absmax2 = new ArrayList<>();
        AdamW adamw = options.optimizer();
        EightBitState eightBit = options.eightBitState();
        BlockwiseQuantization signed = eightBit == null ? null : BlockwiseQuantization.signed(eightBit.blockSize());
        BlockwiseQuantization unsigned = eightBit == null ? null : BlockwiseQuantization.unsigned(eightBit.blockSize());
        for (int k = 0; k < state.buckets().size(); k++) {
            Bucket bucket = state.buckets().get(k);
            List<Integer> members = bucket.members();
            List<Tensor> group = members.stream().map(state.params()::get).toList();
            if (bucket.quantized()) {
                int q = absmax1.size();
                Tensor expAvg = state.expAvg().get(k);
                Tensor grad = flatGrads.get(k).cast(DType.FLOAT32);
                long padding = expAvg.shape().size() - grad.shape().size();
                grad = padding == 0 ? grad : grad.pad(0, padding);
                Tensor m1 = adamw.firstMoment(grad, signed.dequantize(expAvg, state.absmax1().get(q)));
                Tensor m2 = adamw.secondMoment(grad, unsigned.dequantize(state.expAvgSq().get(k), state.absmax2().get(q)));
                nextParams[members.get(0)] = adamw.step(group, adamw.direction(m1, m2, lr, tf), lr).get(0);
                BlockwiseQuantization.Quantized q1 = signed.quantize(m1);
                BlockwiseQuantization.Quantized q2 = unsigned.quantize(m2);
                m.add(q1.codes());
                v.add(q2.codes());
                absmax1.add(q1.absmax());
                absmax2.add(q2.absmax());
                continue;
            }
            AdamW.Update u = adamw.apply(group, flatGrads.get(k), state.expAvg().get(k), state.expAvgSq().get(k), lr, tf);
            for (int i = 0; i < members.size(); i++) {
                nextParams[members.get(i)] = u.params().get(i);
            }
            m.add(u.expAvg());
            v.add(u.expAvgSq());
        }
        State next = new State(t, List.of(nextParams), state.buckets(), m, v, absmax1, absmax2, List.of());
        if (scaling != null) {
            next = scaling.apply(state, next, norm.isFinite());
        }
        return new Result(gradient.loss(), norm, next);
    }

    /** The step as a {@code Loop} body run K times; the loss and gradient norm come back as [K]. */
    private static Result loop(Objective objective, Map<Tensor, Tensor> data, State state, Tensor lr, Options options) {
        Graph g = lr.graph();
        int k = options.stepsPerRun();
        Graph body = g.subgraph();
        Tensor iter = body.input("loop.iter", DType.INT64, Shape.SCALAR);
        Tensor cond = body.input("loop.cond", DType.BOOL, Shape.SCALAR);
        State carried = State.inputs(body, "loop.", state.params(), options);
        Map<Tensor, Tensor> stepData = new LinkedHashMap<>();
        data.forEach((input, stacked) -> stepData.put(input, stacked.gather(iter, 0)));
        Result step = update(objective, stepData, carried, lr.gather(iter, 0), options);

        List<Tensor> formals = new ArrayList<>(List.of(iter, cond));
        formals.addAll(carried.values());
        List<Tensor> results = new ArrayList<>(List.of(cond));
        results.addAll(step.next().values());
        results.add(step.loss());
        results.add(step.gradNorm());

        List<Tensor> loopInputs = new ArrayList<>(List.of(g.scalar(k, DType.INT64), g.constant(TensorData.scalar(DType.BOOL, 1))));
        loopInputs.addAll(state.values());
        List<DType> dtypes = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Tensor value : state.values()) {
            dtypes.add(value.dtype());
            shapes.add(value.shape());
        }
        for (Tensor scanned : List.of(step.loss(), step.gradNorm())) {
            dtypes.add(scanned.dtype());
            shapes.add(Shape.of(k).concat(scanned.shape()));
        }
        List<Tensor> outs = g.apply("Loop", loopInputs, Map.of("body", new Subgraph(body, formals, results)), dtypes, shapes);
        State next = state.withValues(outs.subList(0, outs.size() - 2));
        return new Result(outs.get(outs.size() - 2), outs.get(outs.size() - 1), next);
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
