package io.sdtune.diffusion.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.benchmark.ConvAttentionNet;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import java.util.ArrayList;
import java.util.Arrays;
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
    void severalStepsPerRunGiveTheSameParametersAsOneStepPerRun() {
        int steps = 12;
        int perRun = 4;
        ConvAttentionNet net = new ConvAttentionNet(ConvAttentionNet.Config.tiny());
        List<Tensor> trained = net.graph().weights().values().stream().filter(t -> !t.name().startsWith("conv_in")).toList();
        Map<String, TensorData> weights = net.initialWeights(3);
        List<Map<String, TensorData>> batches = new ArrayList<>();
        double[] lrs = new double[steps];
        for (int i = 0; i < steps; i++) {
            batches.add(net.batch(100 + i % 3));
            lrs[i] = 1e-2 * (1 - i / (double) steps);
        }

        TrainingStep single = TrainingStep.build(net.loss(), trained, TrainingStep.Options.defaults());
        TrainingStep looped = TrainingStep.build(net.loss(), trained, TrainingStep.Options.defaults().withStepsPerRun(perRun));
        try (TrainingSession one = TrainingSession.create(single, weights::get, Device.CPU);
                TrainingSession many = TrainingSession.create(looped, weights::get, Device.CPU)) {
            double[] lossesOne = new double[steps];
            for (int i = 0; i < steps; i++) {
                lossesOne[i] = one.run(batches.get(i), lrs[i]);
            }
            double[] lossesMany = new double[steps];
            for (int r = 0; r < steps / perRun; r++) {
                double[] l = many.run(batches.subList(r * perRun, (r + 1) * perRun),
                        Arrays.copyOfRange(lrs, r * perRun, (r + 1) * perRun));
                System.arraycopy(l, 0, lossesMany, r * perRun, perRun);
            }

            assertThat(many.stepsTaken()).isEqualTo(steps);
            assertThat(lossesMany).containsExactly(lossesOne, within(1e-6));
            // The loop body and the single step are optimised separately by ONNX Runtime, so float32
            // sums may round differently: the runs agree to an ulp or so, not bit for bit.
            for (Tensor p : trained) {
                assertThat(many.parameter(p.name()).toFloatArray())
                        .as(p.name())
                        .containsExactly(one.parameter(p.name()).toFloatArray(), within(1e-6f));
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
        TrainingStep accumulatedLooped = TrainingStep.build(half.loss(), List.copyOf(half.graph().weights().values()),
                accumulate.withStepsPerRun(2));
        try (TrainingSession one = TrainingSession.create(plain, weights::get, Device.CPU);
                TrainingSession two = TrainingSession.create(accumulated, weights::get, Device.CPU);
                TrainingSession looped = TrainingSession.create(accumulatedLooped, weights::get, Device.CPU)) {
            for (int step = 0; step < 4; step += 2) {
                Map<String, TensorData> first = whole.batch(10 + step);
                Map<String, TensorData> second = whole.batch(11 + step);
                double[] expected = {one.run(first, 1e-2), one.run(second, 1e-2)};
                // [4, ...] data is [2, 2, ...] data: two micro-batches of two, in order.
                List<Map<String, TensorData>> split = List.of(asMicroBatches(first, accumulated), asMicroBatches(second, accumulated));

                assertThat(new double[] {two.run(split.get(0), 1e-2), two.run(split.get(1), 1e-2)})
                        .containsExactly(expected, within(1e-6));
                assertThat(looped.run(split, new double[] {1e-2, 1e-2})).containsExactly(expected, within(1e-6));
            }
            for (Tensor p : plain.trainable()) {
                float[] reference = one.parameter(p.name()).toFloatArray();
                assertThat(two.parameter(p.name()).toFloatArray()).as(p.name()).containsExactly(reference, within(1e-5f));
                assertThat(looped.parameter(p.name()).toFloatArray()).as(p.name()).containsExactly(reference, within(1e-5f));
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
