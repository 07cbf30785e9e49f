package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.ExecutionOptions;
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
 * <p>The state lives in two sets of host buffers used in turn, one fed to a run while the other
 * receives its outputs, so steps allocate and copy nothing on the host. Values handed out by
 * {@link #parameter} and {@link #state} are therefore views, valid until the next run: copy what
 * you keep.
 */
public final class TrainingSession implements AutoCloseable {
    private final TrainingStep step;
    private final Session session;
    private Map<String, TensorData> state = new LinkedHashMap<>();
    private Map<String, TensorData> spare = new LinkedHashMap<>();
    private final Map<String, TensorData> outputs = new LinkedHashMap<>();

    private TrainingSession(TrainingStep step, Session session) {
        this.step = step;
        this.session = session;
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
        s.state.put(TrainingStep.STEP, TensorData.scalar(DType.INT64, 0));
        for (Tensor p : step.trainable()) {
            TensorData initial = weights.apply(p.name());
            if (initial == null || initial.dtype() != p.dtype() || !initial.shape().equals(p.shape())) {
                s.close();
                throw new IllegalArgumentException("trainable weight " + p + " has no matching initial value");
            }
            s.state.put(p.name(), initial.copy());
        }
        for (Tensor value : step.optimizerState()) {
            s.state.put(value.name(), step.initialValue(value));
        }
        for (Map.Entry<String, TensorData> e : s.state.entrySet()) {
            s.spare.put(e.getKey(), TensorData.allocate(e.getValue().dtype(), e.getValue().shape()));
        }
        Map<String, Tensor> declared = step.program().outputs();
        for (String name : List.of(TrainingStep.LOSS, TrainingStep.GRAD_NORM)) {
            s.outputs.put(name, TensorData.allocate(declared.get(name).dtype(), declared.get(name).shape()));
        }
        return s;
    }

    /**
     * Takes {@code stepsPerRun} optimisation steps in one run, one batch and learning rate per step;
     * returns the loss of each step. A batch holds each input in its {@link TrainingStep#stepShape}.
     */
    public double[] run(List<Map<String, TensorData>> batches, double[] learningRates) {
        int k = step.stepsPerRun();
        if (batches.size() != k || learningRates.length != k) {
            throw new IllegalArgumentException("this step runs " + k + " steps per run: got " + batches.size()
                    + " batches and " + learningRates.length + " learning rates");
        }
        Map<String, TensorData> feeds = new LinkedHashMap<>(state);
        feeds.put(TrainingStep.LR, k == 1 ? TensorData.scalar(DType.FLOAT64, learningRates[0])
                : TensorData.of(DType.FLOAT64, Shape.of(k), learningRates));
        for (Tensor b : step.batchInputs()) {
            feeds.put(b.name(), k == 1 ? batches.get(0).get(b.name()) : stack(b.name(), b.dtype(), step.stepShape(b), batches));
        }
        spare.forEach((name, buffer) -> outputs.put(TrainingStep.next(name), buffer));
        session.run(feeds, outputs);
        Map<String, TensorData> fed = state;
        state = spare;
        spare = fed;
        return outputs.get(TrainingStep.LOSS).toDoubleArray();
    }

    /** One step with one batch (for {@code stepsPerRun == 1}). */
    public double run(Map<String, TensorData> batch, double learningRate) {
        return run(List.of(batch), new double[] {learningRate})[0];
    }

    public TensorData parameter(String name) {
        TensorData p = state.get(name);
        if (p == null || step.trainable().stream().noneMatch(t -> t.name().equals(name))) {
            throw new IllegalArgumentException("no trainable parameter " + name);
        }
        return p;
    }

    public long stepsTaken() {
        return (long) state.get(TrainingStep.STEP).get(0);
    }

    /** Parameters, moments and step count, by their program input names. */
    public Map<String, TensorData> state() {
        return Collections.unmodifiableMap(state);
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
        for (Map.Entry<String, TensorData> e : state.entrySet()) {
            TensorData from = saved.get(e.getKey());
            TensorData to = e.getValue();
            if (from == null || from.dtype() != to.dtype() || !from.shape().equals(to.shape())) {
                throw new IllegalArgumentException("the saved state has no " + to.dtype() + to.shape() + " value for "
                        + e.getKey() + (from == null ? "" : " (it has " + from.dtype() + from.shape() + ")"));
            }
            to.data().duplicate().rewind().put(from.data().duplicate().rewind());
        }
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
        session.close();
    }
}
