package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.DeviceTensor;
import io.sdtune.diffusion.runtime.ExecutionOptions;
import io.sdtune.diffusion.runtime.IoBinding;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import io.sdtune.diffusion.runtime.Session;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a {@link TrainingStep} repeatedly: holds the training state (parameters, AdamW moments, step
 * count), feeds it with each batch and takes the updated state from the outputs.
 *
 * <p>The state lives on the session's device ({@link DeviceTensor}s, bound in place by {@link IoBinding}s): the
 * gradient run reads it there and leaves the gradients there, each update run reads its group there and leaves the
 * group's next values there, which replace the old ones at once; only the batch goes in and the loss comes out. On a
 * GPU nothing of the state crosses to the host between steps; it is copied to the host only when asked for
 * ({@link #parameter}, {@link #state}), and those copies are the caller's. A step whose state is updated in several
 * groups (DreamBooth's UNet) gives the arena's free chunks back at the end of each run
 * ({@link Session#bindReleasingFreeMemory}): its gradient run peaks in activations, its updates in one group's next
 * values, and an arena that kept both layouts' fragments held 0.5 GiB more of an SD 1.5 DreamBooth step, at 1% of its
 * time. A step of one group (LoRA, Textual Inversion) keeps its arena: given back, the next step's activations are
 * allocated anew, and a LoRA step took 40% longer for no less memory (BENCHMARKS.md, "GPU, 2026-12-07 (later)").
 *
 * <p>A step of one group is also <em>replayed</em>: its gradient run reads and writes device tensors at fixed
 * addresses, made once (the batch is copied into its tensors, the gradients summed so far into theirs, the update's
 * next values into the state's), so that on a GPU ONNX Runtime captures the run as a CUDA graph and replays it with
 * one launch where it dispatched thousands of kernels one by one (the host's dispatch, not the card, bounded an SD
 * 1.5 step's gradient run of some 16,000 kernels; BENCHMARKS.md, "GPU, 2026-12-07 (eleventh session)"). Its outputs
 * are then held for the session's life, which a step of one small group can afford and DreamBooth's gradients, as
 * large as its UNet, could not. Where ONNX Runtime refuses to capture the graph (a node without a CUDA kernel fails
 * the session's creation, or the capture fails in the first run), the run is dispatched kernel by kernel, at the same
 * fixed addresses.
 */
public final class TrainingSession implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TrainingSession.class.getName());
    private final TrainingStep step;
    private Session gradient;
    private IoBinding gradientBinding;
    /**
     * Until a gradient session made for CUDA graphs has run once (its capture), how to make it again should that
     * run fail; else null.
     */
    private Remake remake;
    private final List<Session> updates = new ArrayList<>();
    private final List<IoBinding> updateBindings = new ArrayList<>();
    private final Map<String, DeviceTensor> state = new LinkedHashMap<>();
    /** When accumulating: the gradient sums the first micro-batch of a step adds to. */
    private final Map<String, DeviceTensor> zeroGradients = new HashMap<>();
    /** A replayed step's fixed tensors: its gradient program's batch inputs, gradient sums and outputs; else null. */
    private final Map<String, DeviceTensor> fixed;
    /** Host copies of state values made since the last run. */
    private final Map<String, TensorData> copies = new LinkedHashMap<>();
    private final Map<String, TensorData> outputs = new LinkedHashMap<>();
    /** False after an update run failed: part of the state moved on, part did not, until {@link #restore}. */
    private boolean consistent = true;

    private TrainingSession(TrainingStep step, Session gradient, Remake remake) {
        this.step = step;
        this.gradient = gradient;
        this.remake = remake;
        this.gradientBinding = bind(gradient);
        this.fixed = replayed(step) ? new HashMap<>() : null;
    }

    /** Whether the step is one group's: replayed, and its arena kept (see the class comment). */
    private static boolean replayed(TrainingStep step) {
        return step.updates().size() == 1;
    }

    private IoBinding bind(Session session) {
        return replayed(step) ? session.bind() : session.bindReleasingFreeMemory();
    }

    /**
     * Compiles the step. {@code weights} supplies every weight by name: the frozen ones are bound to the
     * gradient session, the trainable ones are copied as the initial parameters. Moments start at zero, a loss
     * scale at its initial value.
     */
    public static TrainingSession create(TrainingStep step, Function<String, TensorData> weights, Device device) {
        return create(step, weights, ExecutionOptions.on(device));
    }

    public static TrainingSession create(TrainingStep step, Function<String, TensorData> weights,
            ExecutionOptions execution) {
        Remake remake = new Remake(weights, gradientOptions(step, execution));
        Session gradient = remake.next(step.gradient(), null);
        TrainingSession s = new TrainingSession(step, gradient, remake.options().isEmpty() ? null : remake);
        try {
            for (Program update : step.updates()) {
                Session u = Session.create(update, name -> null, execution);
                s.updates.add(u);
                s.updateBindings.add(s.bind(u));
            }
            s.upload(TrainingStep.STEP, TensorData.scalar(DType.INT64, 0));
            for (Tensor p : step.trainable()) {
                TensorData initial = weights.apply(p.name());
                if (initial == null || initial.dtype() != p.dtype() || !initial.shape().equals(p.shape())) {
                    throw new IllegalArgumentException("trainable weight " + p + " has no matching initial value");
                }
                s.upload(p.name(), initial);
            }
            for (Tensor value : step.optimizerState()) {
                s.upload(value.name(), step.initialValue(value));
            }
            for (Tensor sum : step.gradientSums()) {
                s.zeroGradients.put(sum.name(), s.arena().upload(TensorData.allocate(sum.dtype(), sum.shape())));
            }
            if (s.fixed != null) {
                List<Tensor> inputs = new ArrayList<>(step.batchInputs());
                inputs.addAll(step.gradientSums());
                inputs.forEach(in -> s.fixed.put(in.name(), s.arena().allocate(in.dtype(), in.shape())));
                step.gradient().outputs().forEach((name, out) -> s.fixed.put(name, s.arena().allocate(out.dtype(),
                        out.shape())));
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        Map<String, Tensor> declared = step.gradient().outputs();
        for (String name : List.of(TrainingStep.LOSS, TrainingStep.GRAD_NORM)) {
            s.outputs.put(name, TensorData.allocate(declared.get(name).dtype(), declared.get(name).shape()));
        }
        return s;
    }

    /**
     * The gradient session's options, each to fall back on when the one before fails: for a replayed step on a GPU,
     * captured as a CUDA graph in an arena limited to {@link #graphArenaLimit}, then without the limit, then
     * dispatched kernel by kernel.
     */
    private static List<ExecutionOptions> gradientOptions(TrainingStep step, ExecutionOptions execution) {
        if (!replayed(step) || execution.device().kind() != Device.Kind.CUDA) {
            return List.of(execution);
        }
        return List.of(execution.withCudaGraph(graphArenaLimit(step)), execution.withCudaGraph(), execution);
    }

    /**
     * What a replayed gradient session's own arena may take: its weights and a fifth more than the values its runs
     * hold at once by the estimate ({@link MemoryEstimate#held}), room for the arena's fragments. Grown by powers of
     * two without a limit, it took up to 0.9 GiB more than its runs held (H100, BENCHMARKS.md); a step whose runs
     * need more than the limit is captured again without one.
     */
    private static long graphArenaLimit(TrainingStep step) {
        MemoryEstimate gradient = MemoryEstimate.of(step.gradient()).held();
        return gradient.weights() + gradient.peakComputed() * 6 / 5;
    }

    /**
     * The weights of a gradient session made for CUDA graphs and the options it may still be made with, until its
     * first run (the capture) succeeds.
     */
    private record Remake(Function<String, TensorData> weights, Deque<ExecutionOptions> options) {
        Remake(Function<String, TensorData> weights, List<ExecutionOptions> options) {
            this(weights, new ArrayDeque<>(options));
        }

        /**
         * A session of {@code program} made with the next options that ONNX Runtime takes (a node without a CUDA
         * kernel fails a captured session's creation); {@code failure}, that of the session before, for the
         * warning.
         */
        Session next(Program program, RuntimeException failure) {
            while (true) {
                ExecutionOptions execution = options.removeFirst();
                if (failure != null) {
                    warnRemade(failure, execution);
                }
                try {
                    return Session.create(program, weights, execution);
                } catch (RuntimeException e) {
                    if (options.isEmpty()) {
                        throw e;
                    }
                    failure = e;
                }
            }
        }
    }

    private static void warnRemade(RuntimeException failure, ExecutionOptions next) {
        LOG.log(System.Logger.Level.WARNING, next.cudaGraph()
                ? "the gradient run is captured again without a limit on its arena: with the limit ONNX Runtime"
                        + " failed (" + failure.getMessage() + ")"
                : "the gradient run is dispatched kernel by kernel: ONNX Runtime could not capture it as a CUDA graph ("
                        + failure.getMessage() + ")");
    }

    private void upload(String name, TensorData initial) {
        state.put(name, arena().upload(initial));
    }

    /**
     * The session whose allocator holds the state and the fixed tensors: an update's, which allocates from the
     * device's shared arena, and not the gradient session, which may have an allocator of its own (for CUDA graphs)
     * and may be made again.
     */
    private Session arena() {
        return updates.get(0);
    }

    /**
     * Makes the gradient session again with the next options, after its first run failed ({@code failure}): a
     * limited arena too small, or a capture that failed (some kernels allocate or synchronize while a graph is
     * captured, which only the capture finds).
     */
    private void remakeGradient(RuntimeException failure) {
        Remake from = remake;
        remake = null;
        gradientBinding.close();
        gradient.close();
        // Closed first, so that the two never hold the device at once; a session that cannot be made again leaves
        // none, and runs refuse.
        gradientBinding = null;
        gradient = null;
        gradient = from.next(step.gradient(), failure);
        gradientBinding = bind(gradient);
        if (!from.options().isEmpty()) {
            remake = from;
        }
    }

    /**
     * Takes one optimisation step on {@code batch} (each input in its {@link TrainingStep#stepShape}); returns its
     * loss. When a gradient run fails (it holds the step's activations) the state is the one before the step; when
     * an update run fails (it holds one group's next values) the session refuses to run until a saved state is
     * {@link #restore}d.
     */
    public double run(Map<String, TensorData> batch, double learningRate) {
        if (!consistent) {
            throw new IllegalStateException("an earlier update failed part-way, so the training state is mixed; "
                    + "restore a saved state before running again");
        }
        if (gradientBinding == null) {
            throw new IllegalStateException("the gradient session could not be made again after its first run failed");
        }
        int microBatches = step.gradientAccumulationSteps();
        // Gradients (summed over the micro-batches so far), the multiplier, and the next step count and scaler under
        // their state names, as the updates read them.
        Map<String, DeviceTensor> produced = new HashMap<>();
        double loss = 0;
        try {
            for (int k = 0; k < microBatches; k++) {
                Map<String, DeviceTensor> summed = produced;
                produced = gradientRun(microBatch(batch, k), k == 0 ? zeroGradients : summed);
                release(summed);
                loss += outputs.get(TrainingStep.LOSS).get(0);
            }
        } catch (RuntimeException e) {
            release(produced);
            throw e;
        }
        copies.clear();
        try {
            TensorData lr = TensorData.scalar(DType.FLOAT64, learningRate);
            for (int u = 0; u < updates.size(); u++) {
                update(updateBindings.get(u), updates.get(u).program(), produced, lr);
            }
            for (String name : List.copyOf(produced.keySet())) {
                if (state.containsKey(name)) {
                    moveIntoState(name, produced.remove(name));
                }
            }
        } catch (RuntimeException e) {
            consistent = false;
            throw e;
        } finally {
            release(produced);
        }
        return loss / microBatches;
    }

    /** One run of the gradient program on a micro-batch, adding to {@code summed}'s gradients when accumulating. */
    private Map<String, DeviceTensor> gradientRun(Map<String, TensorData> microBatch,
            Map<String, DeviceTensor> summed) {
        Program program = gradient.program();
        gradientBinding.clear();
        for (String name : program.inputs().keySet()) {
            DeviceTensor value = state.containsKey(name) ? state.get(name) : summed.get(name);
            if (value != null) {
                gradientBinding.input(name, fixed == null ? value : copied(name, value));
            }
        }
        Map<String, DeviceTensor> produced = new HashMap<>();
        if (fixed == null) {
            step.batchInputs().forEach(b -> gradientBinding.input(b.name(), microBatch.get(b.name())));
            outputs.forEach(gradientBinding::output);
            program.outputs().keySet().stream().filter(name -> !outputs.containsKey(name))
                    .forEach(gradientBinding::outputOnDevice);
            gradientBinding.run().forEach((name, value) -> produced.put(TrainingStep.stateName(name), value));
            return produced;
        }
        step.batchInputs().forEach(b -> {
            fixed.get(b.name()).copyFrom(microBatch.get(b.name()));
            gradientBinding.input(b.name(), fixed.get(b.name()));
        });
        program.outputs().keySet().forEach(name -> gradientBinding.output(name, fixed.get(name)));
        try {
            gradientBinding.run();
        } catch (RuntimeException e) {
            if (remake == null) {
                throw e;
            }
            remakeGradient(e);
            return gradientRun(microBatch, summed);
        }
        remake = null;
        program.outputs().keySet().forEach(name -> produced.put(TrainingStep.stateName(name), fixed.get(name)));
        outputs.replaceAll((name, host) -> fixed.get(name).toHost());
        return produced;
    }

    /** A replayed run's input: the state's own tensor, or a gradient sum copied into the fixed one. */
    private DeviceTensor copied(String name, DeviceTensor value) {
        DeviceTensor at = fixed.get(name);
        if (at == null) {
            return value;
        }
        at.copyFrom(value);
        return at;
    }

    /** Puts a value the step computed in place of the state's: by copy where the state's addresses are fixed. */
    private void moveIntoState(String name, DeviceTensor value) {
        if (fixed == null) {
            state.put(name, value).close();
        } else {
            state.get(name).copyFrom(value);
            release(value);
        }
    }

    /** Closes what a run produced, but the fixed tensors a replayed step reuses. */
    private void release(Map<String, DeviceTensor> produced) {
        produced.values().forEach(this::release);
    }

    private void release(DeviceTensor value) {
        if (fixed == null || !fixed.containsValue(value)) {
            value.close();
        }
    }

    /** The {@code k}-th micro-batch of a step's batch (the batch itself when not accumulating). */
    private Map<String, TensorData> microBatch(Map<String, TensorData> batch, int k) {
        if (step.gradientAccumulationSteps() == 1) {
            return batch;
        }
        Map<String, TensorData> micro = new HashMap<>();
        batch.forEach((name, value) -> micro.put(name, value.select(k)));
        return micro;
    }

    /** Runs one update and puts its group's next values in place of the old ones. */
    private void update(IoBinding binding, Program program, Map<String, DeviceTensor> produced, TensorData lr) {
        binding.clear();
        for (String name : program.inputs().keySet()) {
            if (name.equals(TrainingStep.LR)) {
                binding.input(name, lr);
            } else {
                binding.input(name, produced.containsKey(name) ? produced.get(name) : state.get(name));
            }
        }
        program.outputs().keySet().forEach(binding::outputOnDevice);
        binding.run().forEach((name, value) -> moveIntoState(TrainingStep.stateName(name), value));
    }

    /** A trainable parameter's current value, copied to the host. */
    public TensorData parameter(String name) {
        if (step.trainable().stream().noneMatch(t -> t.name().equals(name))) {
            throw new IllegalArgumentException("no trainable parameter " + name);
        }
        return copy(name);
    }

    public long stepsTaken() {
        return (long) copy(TrainingStep.STEP).get(0);
    }

    /** Parameters, moments and step count, by their program input names, copied to the host. */
    public Map<String, TensorData> state() {
        Map<String, TensorData> all = new LinkedHashMap<>();
        state.keySet().forEach(name -> all.put(name, copy(name)));
        return Collections.unmodifiableMap(all);
    }

    private TensorData copy(String name) {
        return copies.computeIfAbsent(name, n -> state.get(n).toHost());
    }

    /**
     * Replaces the training state with a saved one ({@link #state} of an earlier session of the same
     * step): every value must be present with its type and shape.
     */
    public void restore(Map<String, TensorData> saved) {
        for (Map.Entry<String, DeviceTensor> e : state.entrySet()) {
            TensorData from = saved.get(e.getKey());
            DeviceTensor to = e.getValue();
            if (from == null || from.dtype() != to.dtype() || !from.shape().equals(to.shape())) {
                throw new IllegalArgumentException("the saved state has no " + to.dtype() + to.shape() + " value for "
                        + e.getKey() + (from == null ? "" : " (it has " + from.dtype() + from.shape() + ")"));
            }
        }
        state.forEach((name, to) -> to.copyFrom(saved.get(name)));
        copies.clear();
        consistent = true;
    }

    @Override
    public void close() {
        state.values().forEach(DeviceTensor::close);
        zeroGradients.values().forEach(DeviceTensor::close);
        if (fixed != null) {
            fixed.values().forEach(DeviceTensor::close);
        }
        updateBindings.forEach(IoBinding::close);
        updates.forEach(Session::close);
        if (gradientBinding != null) {
            gradientBinding.close();
        }
        if (gradient != null) {
            gradient.close();
        }
    }
}
