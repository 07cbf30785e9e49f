package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.autodiff.CheckpointPolicy;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.optim.TrainingSession;
import io.sdtune.diffusion.optim.TrainingStep;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.ExecutionOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Times the engine on {@link ConvAttentionNet.Config#midSize()}: building the training-step graph,
 * creating the ONNX Runtime session, and one AdamW step (median of the timed steps). One mode per
 * process, so that the peak resident memory it reports belongs to that mode alone. Prints one
 * Markdown table row: mode, device, dtype, batch, parameters, build ms, session ms, step ms, peak RSS MiB.
 *
 * <pre>
 *   java -cp ... io.sdtune.diffusion.benchmark.EngineBenchmark [--device cpu|cuda] [--mode MODE]
 *        [--steps N] [--dtype float32|float16] [--batch N] [--profile FILE_PREFIX]
 *   MODE: plain | checkpointed (blocks recomputed)
 * </pre>
 */
public final class EngineBenchmark {
    private EngineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Device device = Device.CPU;
        String mode = "plain";
        int steps = 10;
        DType dtype = DType.FLOAT32;
        Path profile = null;
        int batch = ConvAttentionNet.Config.midSize().batch();
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--device" -> device = Device.parse(value);
                case "--mode" -> mode = value;
                case "--steps" -> steps = Integer.parseInt(value);
                case "--dtype" -> dtype = DType.parse(value);
                case "--profile" -> profile = Path.of(value);
                case "--batch" -> batch = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]
                        + " (expected --device, --mode, --steps, --dtype, --batch, --profile)");
            }
        }
        TrainingStep.Options options = switch (mode) {
            case "plain" -> TrainingStep.Options.defaults();
            case "checkpointed" -> TrainingStep.Options.defaults()
                    .withCheckpointing(CheckpointPolicy.modules("blocks\\.\\d+\\.(resnet|attention)"));
            default -> throw new IllegalArgumentException("unknown mode " + mode + " (plain, checkpointed)");
        };
        ConvAttentionNet.Config base = ConvAttentionNet.Config.midSize();
        ConvAttentionNet.Config config = new ConvAttentionNet.Config(batch, base.inChannels(), base.channels(),
                base.resolution(), base.blocks(), dtype);

        long t0 = System.nanoTime();
        ConvAttentionNet net = new ConvAttentionNet(config);
        TrainingStep step = TrainingStep.build(net.loss(), List.copyOf(net.graph().weights().values()), options);
        long t1 = System.nanoTime();
        Map<String, TensorData> weights = net.initialWeights(1);
        Map<String, TensorData> data = net.batch(10);

        ExecutionOptions execution = ExecutionOptions.on(device);
        try (TrainingSession session = TrainingSession.create(step, weights::get,
                profile == null ? execution : execution.withProfiling(profile))) {
            long t2 = System.nanoTime();
            for (int i = 0; i < 2; i++) {
                session.run(data, 1e-4);
            }
            double[] perStep = new double[Math.max(1, steps)];
            for (int i = 0; i < perStep.length; i++) {
                long s = System.nanoTime();
                session.run(data, 1e-4);
                perStep[i] = (System.nanoTime() - s) / 1e6;
            }
            Arrays.sort(perStep);
            System.out.printf("| %s | %s | %s | %d | %.2f M | %.0f | %.0f | %.1f | %d |%n", mode, device,
                    dtype.name().toLowerCase(), batch, net.parameterCount() / 1e6, (t1 - t0) / 1e6,
                    (t2 - t1) / 1e6, perStep[perStep.length / 2], ProcessMemory.peakResidentMiB());
        }
    }
}
