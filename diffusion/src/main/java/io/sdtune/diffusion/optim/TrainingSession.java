package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.DeviceTensor;
import io.sdtune.diffusion.runtime.ExecutionOptions;
import io.sdtune.diffusion.runtime.IoBinding;
import io.sdtune.diffusion.runtime.Session;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a {@link TrainingStep} repeatedly: holds the training state (parameters, AdamW moments, step
 * count), feeds it with each batch and takes the updated state from the outputs.
 *
 * <p>The state lives on the session's device ({@link DeviceTensor}s, bound in place by an {@link IoBinding}): a run
 * reads it there and leaves the updated state there, so only the batch goes in and the loss comes out. On a GPU
 * nothing of the state crosses to the host between steps; it is copied to the host only when asked for
 * ({@link #parameter}, {@link #state}), and those copies are the caller's.
 */
public final class TrainingSession implements AutoCloseable {
    private final TrainingStep step;
    private final Session session;
    private final IoBinding binding;
    private Map<String, DeviceTensor> state = new LinkedHashMap<>();
    /** Host copies of state values made since the last run. */
    private final Map<String, TensorData> copies = new LinkedHashMap<>();
    private final Map<String, TensorData> outputs = new LinkedHashMap<>();

    private TrainingSession(TrainingStep step, Session session) {
        this.step = step;
        this.session = session;
        this.binding = session.bind();
    }

    /**
     * Compiles the step. {@code weights} supplies every weight by name: the frozen ones are bound to the
     * session, the trainable ones are copied as the initial parameters. Moments start at zero, a loss
     * scale at its initial value.
     */
    public static TrainingSession create(TrainingStep step, Function<String, TensorData> weights, Device device) {
        return create(step, weights, ExecutionOptions.on(device));
    }

    public static TrainingSession create(TrainingStep step, Function<String, TensorData> weights,
            ExecutionOptions execution) {
        TrainingSession s = new TrainingSession(step, Session.create(step.program(), weights, execution));
        try {
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
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        Map<String, Tensor> declared = step.program().outputs();
        for (String name : List.of(TrainingStep.LOSS, TrainingStep.GRAD_NORM)) {
            s.outputs.put(name, TensorData.allocate(declared.get(name).dtype(), declared.get(name).shape()));
        }
        return s;
    }

    private void upload(String name, TensorData initial) {
        state.put(name, session.upload(initial));
    }

    /**
     * Takes {@code stepsPerRun} optimisation steps in one run, one batch and learning rate per step;
     * returns the loss of each step. A batch holds each input in its {@link TrainingStep#stepShape}. When the run
     * fails the state is the one before it.
     */
    public double[] run(List<Map<String, TensorData>> batches, double[] learningRates) {
        int k = step.stepsPerRun();
        if (batches.size() != k || learningRates.length != k) {
            throw new IllegalArgumentException("this step runs " + k + " steps per run: got " + batches.size()
                    + " batches and " + learningRates.length + " learning rates");
        }
        binding.clear();
        state.forEach(binding::input);
        binding.input(TrainingStep.LR, k == 1 ? TensorData.scalar(DType.FLOAT64, learningRates[0])
                : TensorData.of(DType.FLOAT64, Shape.of(k), learningRates));
        for (Tensor b : step.batchInputs()) {
            binding.input(b.name(), k == 1 ? batches.get(0).get(b.name())
                    : stack(b.name(), b.dtype(), step.stepShape(b), batches));
        }
        state.keySet().forEach(name -> binding.outputOnDevice(TrainingStep.next(name)));
        outputs.forEach(binding::output);
        Map<String, DeviceTensor> produced = binding.run();
        Map<String, DeviceTensor> updated = new LinkedHashMap<>();
        state.keySet().forEach(name -> updated.put(name, produced.get(TrainingStep.next(name))));
        state.values().forEach(DeviceTensor::close);
        state = updated;
        copies.clear();
        return outputs.get(TrainingStep.LOSS).toDoubleArray();
    }

    /** One step with one batch (for {@code stepsPerRun == 1}). */
    public double run(Map<String, TensorData> batch, double learningRate) {
        return run(List.of(batch), new double[] {learningRate})[0];
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

    /** Ends ONNX Runtime profiling, when the session was created with it; returns the trace file. */
    public String endProfiling() {
        return session.endProfiling();
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
    }

    private static TensorData stack(String name, DType dtype, Shape shape, List<Map<String, TensorData>> batches) {
        TensorData stacked = TensorData.allocate(dtype, Shape.of(batches.size()).concat(shape));
        for (Map<String, TensorData> batch : batches) {
            TensorData one = batch.get(name);
            if (one == null || !one.shape().equals(shape) || one.dtype() != dtype) {
                throw new IllegalArgumentException("batch input " + name + " must be " + dtype + shape + ", got "
                        + (one == null ? "nothing" : one.dtype() + "" + one.shape()));
            }
            stacked.data().put(one.data().duplicate().rewind());
        }
        stacked.data().rewind();
        return stacked;
    }

    @Override
    public void close() {
        state.values().forEach(DeviceTensor::close);
        binding.close();
        session.close();
    }
}
