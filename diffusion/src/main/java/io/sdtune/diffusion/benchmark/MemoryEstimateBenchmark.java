package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import io.sdtune.diffusion.training.DreamBoothMethod;
import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.LoraMethod;
import io.sdtune.diffusion.training.TextualInversionMethod;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.diffusion.training.TrainingArgs;
import io.sdtune.diffusion.training.TrainingMethod;
import java.nio.file.Path;

/**
 * The memory estimate of one method's training step, as {@code sd benchmark} would train it (the seed's settings:
 * batch 1, Textual Inversion with 4 accumulation micro-batches, DreamBooth with gradient checkpointing), built and
 * not run, so a GPU's configurations are estimated on any machine:
 *
 * <pre>
 *   java -cp ... io.sdtune.diffusion.benchmark.MemoryEstimateBenchmark --model DIR --method lora|dreambooth|textual_inversion
 *        [--resolution 512] [--dtype float32|float16] [--steps_per_run 1] [--use_8bit_adam]
 * </pre>
 * Prints one Markdown row: method, dtype, steps per run, 8-bit, weights + inputs + activations/gradients, total
 * (GiB).
 */
public final class MemoryEstimateBenchmark {
    private static final double GIB = 1L << 30;

    private MemoryEstimateBenchmark() {
    }

    public static void main(String[] args) {
        Path model = null;
        String method = "lora";
        int resolution = 512;
        DType dtype = DType.FLOAT32;
        int perRun = 1;
        boolean eightBit = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--method" -> method = args[++i];
                case "--resolution" -> resolution = Integer.parseInt(args[++i]);
                case "--dtype" -> dtype = DType.parse(args[++i]);
                case "--steps_per_run" -> perRun = Integer.parseInt(args[++i]);
                case "--use_8bit_adam" -> eightBit = true;
                default -> throw new IllegalArgumentException("unknown flag " + args[i] + " (expected --model, --method, "
                        + "--resolution, --dtype, --steps_per_run, --use_8bit_adam)");
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required");
        }
        boolean ti = method.equals("textual_inversion");
        TrainingMethod m = switch (method) {
            case "lora" -> new LoraMethod(4, dtype);
            case "dreambooth" -> new DreamBoothMethod(dtype);
            case "textual_inversion" -> new TextualInversionMethod("<cat-toy>", "toy", 1, "object", dtype);
            default -> throw new IllegalArgumentException("unknown method " + method);
        };
        // Only the step's shape matters: no image is read and nothing is written.
        TrainingArgs a = new TrainingArgs(model, Path.of("unused"), "a photo of <cat-toy>", null, Path.of("unused"),
                resolution, InstanceImages.Crop.CENTER, ti, 1, ti ? 4 : 1, perRun, 1e-4, false, "constant", 0, 0.9, 0.999,
                1e-2, 1e-8, 1.0, 0, 0, 0, 0, "", "", 0, 0, method.equals("dreambooth"), eightBit, perRun, Device.CPU, dtype);
        MemoryEstimate e = new Trainer(a, m).estimate();
        System.out.printf("| %s | %s | %d | %s | %.2f + %.2f + %.2f | %.2f |%n", method, dtype.name().toLowerCase(), perRun,
                eightBit ? "8-bit" : "", e.weights() / GIB, e.inputs() / GIB, e.peakComputed() / GIB, e.total() / GIB);
    }
}
