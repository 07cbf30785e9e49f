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
import java.util.function.UnaryOperator;

/**
 * A whole optimisation step as one graph: forward pass, backward pass, optional gradient clipping and
 * the AdamW update. The program maps (parameters, moments, step count, learning rate, batch) to the
 * loss and the next parameters, moments and step count, so a step is repeated by feeding outputs
 * back as inputs ({@link TrainingSession} does that).
 *
 * <p>With {@code stepsPerRun = K > 1} the step becomes the body of an ONNX {@code Loop} that runs K
 * times in one {@code session.run}: parameters and moments stay on the device between those steps,
 * each batch input is fed stacked as {@code [K, ...]}, the learning rate as {@code [K]}, and the loss
 * comes back as {@code [K]}.
 *
 * <p>Names: parameters keep their own names; their moments are {@code <name>.exp_avg} and
 * {@code <name>.exp_avg_sq} (PyTorch's AdamW state), the step count is {@code step}; each of these
 * state values comes back as output {@code next.<name>}.
 */
public final class TrainingStep {
    public static final String STEP = "step";
    public static final String LR = "lr";
    public static final String LOSS = "loss";
    public static final String GRAD_NORM = "grad_norm";

    /** How to train: optimizer, clipping ({@code maxGradNorm <= 0}: off), steps per run, recomputation. */
    public record Options(AdamW optimizer, double maxGradNorm, int stepsPerRun, CheckpointPolicy checkpointing) {
        public Options {
            if (stepsPerRun < 1) {
                throw new IllegalArgumentException("stepsPerRun must be at least 1, got " + stepsPerRun);
            }
        }

        /** The diffusers scripts' defaults: AdamW defaults, {@code --max_grad_norm 1.0}, one step per run. */
        public static Options defaults() {
            return new Options(AdamW.defaults(), 1.0, 1, CheckpointPolicy.none());
        }

        public Options withStepsPerRun(int k) {
            return new Options(optimizer, maxGradNorm, k, checkpointing);
        }

        public Options withMaxGradNorm(double norm) {
            return new Options(optimizer, norm, stepsPerRun, checkpointing);
        }

        public Options withCheckpointing(CheckpointPolicy policy) {
            return new Options(optimizer, maxGradNorm, stepsPerRun, policy);
        }
    }

    private final Program program;
    private final List<Tensor> trainable;
    private final List<Tensor> batchInputs;
    private final int stepsPerRun;

    private TrainingStep(Program program, List<Tensor> trainable, List<Tensor> batchInputs, int stepsPerRun) {
        this.program = program;
        this.trainable = trainable;
        this.batchInputs = batchInputs;
        this.stepsPerRun = stepsPerRun;
    }

    public static String expAvg(String param) {
        return param + ".exp_avg";
    }

    public static String expAvgSq(String param) {
        return param + ".exp_avg_sq";
    }

    public static String next(String state) {
        return "next." + state;
    }

    /**
     * Builds the step for {@code loss}, a scalar of the root graph, training the weights
     * {@code trainable}. Every input the loss depends on becomes a batch input of the step.
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
        Tensor step = g.input(STEP, DType.INT64, Shape.SCALAR);
        List<Tensor> m = state(g, trainable, TrainingStep::expAvg, "");
        List<Tensor> v = state(g, trainable, TrainingStep::expAvgSq, "");
        int k = options.stepsPerRun();

        Map<String, Tensor> inputs = new LinkedHashMap<>();
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        Tensor lr = g.input(LR, DType.FLOAT32, k == 1 ? Shape.SCALAR : Shape.of(k));
        put(inputs, List.of(step, lr));
        put(inputs, trainable);
        put(inputs, m);
        put(inputs, v);
        List<Tensor> next;
        if (k == 1) {
            put(inputs, batch);
            next = update(loss, trainable, m, v, step, lr, options);
        } else {
            next = loop(g, loss, trainable, m, v, step, lr, batch, inputs, options);
        }
        outputs.put(LOSS, next.get(0));
        outputs.put(GRAD_NORM, next.get(1));
        outputs.put(next(STEP), next.get(2));
        int n = trainable.size();
        for (int i = 0; i < n; i++) {
            outputs.put(next(trainable.get(i).name()), next.get(3 + i));
            outputs.put(next(expAvg(trainable.get(i).name())), next.get(3 + n + i));
            outputs.put(next(expAvgSq(trainable.get(i).name())), next.get(3 + 2 * n + i));
        }
        return new TrainingStep(new Program(inputs, outputs), List.copyOf(trainable), batch, k);
    }

    public Program program() {
        return program;
    }

    public List<Tensor> trainable() {
        return trainable;
    }

    /** The data inputs of one step (fed stacked as {@code [stepsPerRun, ...]} when it exceeds 1). */
    public List<Tensor> batchInputs() {
        return batchInputs;
    }

    public int stepsPerRun() {
        return stepsPerRun;
    }

    /** [loss, grad norm, next step, next params..., next exp_avg..., next exp_avg_sq...]. */
    private static List<Tensor> update(Tensor loss, List<Tensor> params, List<Tensor> m, List<Tensor> v, Tensor step,
            Tensor lr, Options options) {
        Map<Tensor, Tensor> grads = Gradients.of(loss, params, options.checkpointing());
        List<Tensor> g = params.stream().map(grads::get).toList();
        Tensor norm = GradientClipping.globalNorm(g);
        if (options.maxGradNorm() > 0) {
            g = GradientClipping.clip(g, norm, options.maxGradNorm());
        }
        Tensor t = step.add(1);
        Tensor tf = t.cast(DType.FLOAT32);
        List<Tensor> nextParams = new ArrayList<>();
        List<Tensor> nextM = new ArrayList<>();
        List<Tensor> nextV = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            AdamW.Update u = options.optimizer().apply(p, g.get(i), m.get(i), v.get(i), lr.cast(p.dtype()), tf);
            nextParams.add(u.param());
            nextM.add(u.expAvg());
            nextV.add(u.expAvgSq());
        }
        List<Tensor> out = new ArrayList<>(List.of(loss, norm, t));
        out.addAll(nextParams);
        out.addAll(nextM);
        out.addAll(nextV);
        return out;
    }

    /** The step as a {@code Loop} body run K times; returns the loop's outputs in {@link #update} order. */
    private static List<Tensor> loop(Graph g, Tensor loss, List<Tensor> params, List<Tensor> m, List<Tensor> v,
            Tensor step, Tensor lr, List<Tensor> batch, Map<String, Tensor> inputs, Options options) {
        int k = options.stepsPerRun();
        Graph body = g.subgraph();
        Tensor iter = body.input("loop.iter", DType.INT64, Shape.SCALAR);
        Tensor cond = body.input("loop.cond", DType.BOOL, Shape.SCALAR);
        Tensor bodyStep = body.input("loop." + STEP, DType.INT64, Shape.SCALAR);
        List<Tensor> bodyParams = state(body, params, name -> name, "loop.");
        List<Tensor> bodyM = state(body, params, TrainingStep::expAvg, "loop.");
        List<Tensor> bodyV = state(body, params, TrainingStep::expAvgSq, "loop.");

        Map<Tensor, Tensor> replacements = new HashMap<>();
        for (int i = 0; i < params.size(); i++) {
            replacements.put(params.get(i), bodyParams.get(i));
        }
        for (Tensor b : batch) {
            Tensor stacked = g.input(b.name(), b.dtype(), Shape.of(k).concat(b.shape()));
            inputs.put(b.name(), stacked);
            replacements.put(b, stacked.gather(iter, 0));
        }
        Tensor bodyLoss = body.rebuild(loss, replacements);
        List<Tensor> next = update(bodyLoss, bodyParams, bodyM, bodyV, bodyStep, lr.gather(iter, 0), options);

        List<Tensor> formals = new ArrayList<>(List.of(iter, cond, bodyStep));
        formals.addAll(bodyParams);
        formals.addAll(bodyM);
        formals.addAll(bodyV);
        List<Tensor> results = new ArrayList<>(List.of(cond));
        results.addAll(next.subList(2, next.size()));
        results.add(next.get(0));
        results.add(next.get(1));

        List<Tensor> loopInputs = new ArrayList<>(List.of(g.scalar(k, DType.INT64), g.constant(TensorData.scalar(DType.BOOL, 1)), step));
        loopInputs.addAll(params);
        loopInputs.addAll(m);
        loopInputs.addAll(v);
        List<DType> dtypes = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Tensor carried : loopInputs.subList(2, loopInputs.size())) {
            dtypes.add(carried.dtype());
            shapes.add(carried.shape());
        }
        for (Tensor scanned : List.of(next.get(0), next.get(1))) {
            dtypes.add(scanned.dtype());
            shapes.add(Shape.of(k).concat(scanned.shape()));
        }
        List<Tensor> outs = g.apply("Loop", loopInputs, Map.of("body", new Subgraph(body, formals, results)), dtypes, shapes);
        List<Tensor> ordered = new ArrayList<>(outs.subList(outs.size() - 2, outs.size()));
        ordered.addAll(outs.subList(0, outs.size() - 2));
        return ordered;
    }

    private static List<Tensor> state(Graph g, List<Tensor> params, UnaryOperator<String> name,
            String prefix) {
        return params.stream().map(p -> g.input(prefix + name.apply(p.name()), p.dtype(), p.shape())).toList();
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
