package io.sdtune.diffusion.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.benchmark.ConvAttentionNet;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingStepTest {

    @Test
    void aConvAttentionNetworkLearnsThroughTheGeneratedTrainingGraph() {
        ConvAttentionNet net = new ConvAttentionNet(ConvAttentionNet.Config.tiny());
        List<Tensor> all = List.copyOf(net.graph().weights().values());
        TrainingStep step = TrainingStep.build(net.loss(), all, TrainingStep.Options.defaults());
        Map<String, TensorData> weights = net.initialWeights(1);
        Map<String, TensorData> batch = net.batch(2);

        try (TrainingSession session = TrainingSession.create(step, weights::get, Device.CPU)) {
            double first = session.run(batch, 1e-2);
            double last = first;
            for (int i = 0; i < 200; i++) {
                last = session.run(batch, 1e-2);
            }

            assertThat(last).isLessThan(first / 10);
            assertThat(session.stepsTaken()).isEqualTo(201);
        }
    }

    @Test
    void updatingInSeveralGroupsGivesTheParametersOfOneUpdateAndHoldsLess() {
        // 48 channels: the convolutions' 20736 values are buckets of their own, which groups can part.
        ConvAttentionNet net = new ConvAttentionNet(new ConvAttentionNet.Config(2, 3, 48, 8, 1, DType.FLOAT32));
        List<Tensor> trained = net.graph().weights().values().stream().filter(t -> !t.name().startsWith("conv_in")).toList();
        long values = trained.stream().mapToLong(t -> t.shape().size()).sum();
        Map<String, TensorData> weights = net.initialWeights(3);
        TrainingStep.Options options = TrainingStep.Options.defaults();

        TrainingStep whole = TrainingStep.build(net.loss(), trained, options, values);
        TrainingStep grouped = TrainingStep.build(net.loss(), trained, options, values / 4);
        assertThat(whole.updates()).hasSize(1);
        assertThat(grouped.updates()).hasSizeGreaterThanOrEqualTo(4);
        // Each update moves only its own group on: the transient copy of the state shrinks with the group.
        assertThat(grouped.memoryEstimate().peakComputed()).isLessThan(whole.memoryEstimate().peakComputed());
        assertThat(grouped.memoryEstimate().inputs()).isEqualTo(whole.memoryEstimate().inputs());
        try (TrainingSession one = TrainingSession.create(whole, weights::get, Device.CPU);
                TrainingSession many = TrainingSession.create(grouped, weights::get, Device.CPU)) {
            for (int i = 0; i < 6; i++) {
                Map<String, TensorData> batch = net.batch(100 + i % 3);
                double lr = 1e-2 * (1 - i / 6.0);
                assertThat(many.run(batch, lr)).isEqualTo(one.run(batch, lr));
            }

            assertThat(many.stepsTaken()).isEqualTo(6);
            assertThat(many.state().keySet()).containsExactlyInAnyOrderElementsOf(one.state().keySet());
            for (Tensor p : trained) {
                assertThat(many.parameter(p.name()).toFloatArray()).as(p.name())
                        .containsExactly(one.parameter(p.name()).toFloatArray());
            }
            assertThat(one.parameter("conv_out.weight").toFloatArray())
                    .isNotEqualTo(weights.get("conv_out.weight").toFloatArray());
        }
    }

    @Test
    void accumulatingTwoMicroBatchesGivesTheStepOfTheWholeBatch() {
        ConvAttentionNet whole = new ConvAttentionNet(ConvAttentionNet.Config.tiny());
        ConvAttentionNet.Config tiny = ConvAttentionNet.Config.tiny();
        ConvAttentionNet half = new ConvAttentionNet(new ConvAttentionNet.Config(tiny.batch() / 2, tiny.inChannels(),
                tiny.channels(), tiny.resolution(), tiny.blocks(), tiny.dtype()));
        Map<String, TensorData> weights = whole.initialWeights(5);
        TrainingStep.Options accumulate = TrainingStep.Options.defaults().withGradientAccumulationSteps(2);

        TrainingStep plain = TrainingStep.build(whole.loss(), List.copyOf(whole.graph().weights().values()),
                TrainingStep.Options.defaults());
        TrainingStep accumulated = TrainingStep.build(half.loss(), List.copyOf(half.graph().weights().values()), accumulate);
        try (TrainingSession one = TrainingSession.create(plain, weights::get, Device.CPU);
                TrainingSession two = TrainingSession.create(accumulated, weights::get, Device.CPU)) {
            for (int step = 0; step < 4; step += 2) {
                Map<String, TensorData> first = whole.batch(10 + step);
                Map<String, TensorData> second = whole.batch(11 + step);
                double[] expected = {one.run(first, 1e-2), one.run(second, 1e-2)};
                // [4, ...] data is [2, 2, ...] data: two micro-batches of two, in order.
                List<Map<String, TensorData>> split = List.of(asMicroBatches(first, accumulated), asMicroBatches(second, accumulated));

                assertThat(new double[] {two.run(split.get(0), 1e-2), two.run(split.get(1), 1e-2)})
                        .containsExactly(expected, within(1e-6));
            }
            for (Tensor p : plain.trainable()) {
                float[] reference = one.parameter(p.name()).toFloatArray();
                assertThat(two.parameter(p.name()).toFloatArray()).as(p.name()).containsExactly(reference, within(1e-5f));
            }
        }
    }

    private static Map<String, TensorData> asMicroBatches(Map<String, TensorData> batch, TrainingStep step) {
        Map<String, TensorData> split = new HashMap<>();
        for (Tensor input : step.batchInputs()) {
            TensorData whole = batch.get(input.name());
            split.put(input.name(), new TensorData(whole.dtype(), step.stepShape(input), whole.data()));
        }
        return split;
    }
}
