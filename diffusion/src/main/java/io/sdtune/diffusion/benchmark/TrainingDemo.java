package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.optim.TrainingSession;
import io.sdtune.diffusion.optim.TrainingStep;
import io.sdtune.diffusion.runtime.Device;
import java.util.List;
import java.util.Map;

/**
 * The engine end to end in a few seconds: builds the training step of a small conv + attention
 * network as one ONNX graph, runs it on ONNX Runtime and prints the loss as it falls.
 * Usage: {@code TrainingDemo [cpu|cuda] [steps]}.
 */
public final class TrainingDemo {
    private TrainingDemo() {
    }

    public static void main(String[] args) {
        Device device = Device.parse(args.length > 0 ? args[0] : "cpu");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        ConvAttentionNet net = new ConvAttentionNet(ConvAttentionNet.Config.tiny());
        TrainingStep step = TrainingStep.build(net.loss(), List.copyOf(net.graph().weights().values()),
                TrainingStep.Options.defaults());
        Map<String, TensorData> weights = net.initialWeights(1);
        Map<String, TensorData> batch = net.batch(2);
        System.out.printf("training %d parameters on %s: forward, backward and AdamW built as one graph (%d ops)%n",
                net.parameterCount(), device, net.graph().nodes().size());
        try (TrainingSession session = TrainingSession.create(step, weights::get, device)) {
            long start = System.nanoTime();
            for (int i = 1; i <= steps; i++) {
                double loss = session.run(batch, 1e-2);
                if (i == 1 || i % 20 == 0 || i == steps) {
                    double secondsPerStep = (System.nanoTime() - start) / 1e9 / i;
                    System.out.printf("step %4d  loss %.6f  lr 1e-2  %.4f s/step%n", i, loss, secondsPerStep);
                }
            }
        }
    }
}
