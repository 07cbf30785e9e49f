package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.benchmark.ArtifactSize;
import io.sdtune.diffusion.benchmark.GpuMemoryMonitor;
import io.sdtune.diffusion.benchmark.QualityBenchmark;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.DeviceMemory;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import io.sdtune.diffusion.training.DreamBoothMethod;
import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.LoraMethod;
import io.sdtune.diffusion.training.TextualInversionMethod;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.diffusion.training.TrainingArgs;
import io.sdtune.diffusion.training.TrainingListener;
import io.sdtune.diffusion.training.TrainingMethod;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@code sd benchmark}: the seed article's comparison table, measured: each method trained with the
 * seed's settings (batch 1; TI with 4 accumulation steps, lr 5e-4 scaled; DreamBooth with gradient
 * checkpointing, lr 1e-6, and {@code --use_8bit_adam} when given; LoRA rank 4, lr 5e-4; checkpointing for all with
 * {@code --gradient_checkpointing}) on synthetic images,
 * reporting s/step (median after warm-up), the projected time of 400 steps, peak GPU memory (nvidia-smi's, and what
 * ONNX Runtime's shared arena held at most and took from the card, and the same of the arena of its own that a gradient
 * run replayed as a CUDA graph had) and the artifact's size. The memory figures are the
 * process's so far: the arena keeps what an earlier method took, so a peak of one method's own needs a process of
 * its own ({@code diffusion/bench/finetune.sh} runs one per configuration). With {@code --quality}, the comparison
 * for quality on the world of shapes instead ({@link QualityBenchmark}).
 */
final class BenchmarkCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd benchmark")
                .required("pretrained_model_name_or_path", "the base model (e.g. make-tiny-model --sd15-shapes)")
                .option("resolution", "512", "training resolution")
                .option("steps", "30", "steps timed per method (after 3 warm-up steps)")
                .option("methods", "textual_inversion,dreambooth,lora", "which methods, comma-separated (memory "
                        + "figures are the process's so far: one method per run for its own)")
                .option("work_dir", "benchmark-runs", "where images and artifacts go")
                .option("mixed_precision", "no", "no or fp16")
                .flag("gradient_checkpointing", "recompute the UNet's blocks in the backward pass for every method "
                        + "(DreamBooth always uses it, as the seed does)")
                .flag("use_8bit_adam", "8-bit AdamW for DreamBooth and LoRA, as their scripts take it (the seed "
                        + "uses it for DreamBooth)")
                .option("device", "cpu", "cpu, cuda or cuda:N")
                .flag("estimate_only", "print each step's memory estimate, built but not run (any machine; "
                        + "--device is ignored)")
                .flag("quality", "the comparison for quality instead, on the world of shapes' model: each method "
                        + "taught <cat-toy> from five images, then prompts placing it in new scenes drawn and judged "
                        + "(concept fidelity and similarity, prompt fidelity) beside the untrained model")
                .option("max_train_steps", String.valueOf(QualityBenchmark.MAX_TRAIN_STEPS),
                        "--quality: each method's training steps")
                .option("num_images_per_prompt", "4", "--quality: drawings of each prompt by each model")
                .option("seed", "0", "--quality: seed of the concept's images, the trainings and the drawings");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        if (f.isSet("quality")) {
            List<QualityBenchmark.Row> rows = QualityBenchmark.run(new QualityBenchmark.Settings(
                    Path.of(f.string("pretrained_model_name_or_path")), Path.of(f.string("work_dir")),
                    f.integer("max_train_steps"), f.integer("num_images_per_prompt"), Long.parseLong(f.string("seed")),
                    Device.parse(f.string("device"))), out::println);
            out.print(QualityBenchmark.markdown(rows));
            return;
        }
        Path work = Path.of(f.string("work_dir"));
        Path images = syntheticImages(work.resolve("instance-images"), f.integer("resolution"));
        Device device = Device.parse(f.string("device"));
        DType dtype = TrainingFlags.dtype(f);
        boolean estimateOnly = f.isSet("estimate_only");
        String header = estimateOnly
                ? "| method | dtype | 8-bit | estimate (GiB): weights + inputs + activations/gradients | total |"
                : "| method | s/step | 400 steps (min) | peak GPU memory (GiB) | arena: max in use / taken (GiB) "
                        + "| captured run's arena (GiB) | step estimate (GiB) | artifact size |";
        out.println(header);
        out.println("|---".repeat((int) header.chars().filter(c -> c == '|').count() - 1) + "|");
        for (String method : f.string("methods").split(",")) {
            TrainingMethod m = switch (method) {
                case "textual_inversion" -> new TextualInversionMethod("<cat-toy>", "toy", 1, "object", dtype);
                case "dreambooth" -> new DreamBoothMethod(dtype);
                case "lora" -> new LoraMethod(4, dtype);
                default -> throw f.usage("unknown method '" + method + "' (textual_inversion, dreambooth, lora)");
            };
            boolean ti = method.equals("textual_inversion");
            double lr = ti ? 5e-4 * 4 : method.equals("dreambooth") ? 1e-6 : 5e-4;
            int warmup = 3;
            int steps = warmup + f.integer("steps");
            Path output = work.resolve(method);
            // The seed's settings of each method; no checkpoints, no warm-up.
            TrainingArgs a = TrainingArgs.builder(Path.of(f.string("pretrained_model_name_or_path")), images,
                            "a photo of <cat-toy>", output)
                    .resolution(f.integer("resolution"))
                    .crop(InstanceImages.Crop.CENTER)
                    .randomFlip(ti)
                    .trainBatchSize(1)
                    .gradientAccumulationSteps(ti ? 4 : 1)
                    .maxTrainSteps(steps)
                    .learningRate(lr)
                    .lrWarmupSteps(0)
                    .checkpointingSteps(0)
                    .gradientCheckpointing(method.equals("dreambooth") || f.isSet("gradient_checkpointing"))
                    .use8bitAdam(f.isSet("use_8bit_adam") && !ti)
                    .device(device)
                    .dtype(dtype)
                    .build();
            if (estimateOnly) {
                MemoryEstimate e = new Trainer(a, m).estimate();
                out.printf("| %s | %s | %s | %.2f + %.2f + %.2f | %.2f |%n", method, dtype.name().toLowerCase(),
                        a.use8bitAdam() ? "yes" : "", gib(e.weights()), gib(e.inputs()), gib(e.peakComputed()),
                        gib(e.total()));
                continue;
            }
            double[] stepSeconds = new double[steps];
            long[] last = {System.nanoTime()};
            MemoryEstimate[] estimate = new MemoryEstimate[1];
            try (GpuMemoryMonitor memory = GpuMemoryMonitor.start(device)) {
                new Trainer(a, m).run(new TrainingListener() {
                    @Override
                    public void onStep(int step, int total, double loss, double rate, double secondsPerStep) {
                        long now = System.nanoTime();
                        stepSeconds[step - 1] = (now - last[0]) / 1e9;
                        last[0] = now;
                    }

                    @Override
                    public void onMemoryEstimate(MemoryEstimate e) {
                        estimate[0] = e;
                    }
                });
                double[] timed = Arrays.copyOfRange(stepSeconds, warmup, steps);
                Arrays.sort(timed);
                double perStep = timed[timed.length / 2];
                out.printf("| %s | %.3f | %.1f | %s | %s | %s | %.2f | %s |%n", method, perStep, perStep * 400 / 60,
                        memory.peakGiB() < 0 ? "n/a" : String.format("%.1f", memory.peakGiB()),
                        inUseAndTaken(DeviceMemory.arenaStats(device)),
                        inUseAndTaken(DeviceMemory.capturedArenaStats(device)), gib(estimate[0].total()),
                        ArtifactSize.of(output));
            }
        }
    }

    /** An arena's {@code MaxInUse} and {@code TotalAllocated} in GiB, or n/a for none. */
    private static String inUseAndTaken(Map<String, Long> arena) {
        return arena.isEmpty() ? "n/a"
                : String.format("%.1f / %.1f", gib(arena.get("MaxInUse")), gib(arena.get("TotalAllocated")));
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }

    private static Path syntheticImages(Path dir, int resolution) {
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < 5; i++) {
                BufferedImage image = new BufferedImage(resolution, resolution, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < resolution; y++) {
                    for (int x = 0; x < resolution; x++) {
                        image.setRGB(x, y, ((x * 255 / resolution) << 16) | ((y * 255 / resolution) << 8) | (40 * i));
                    }
                }
                ImageIO.write(image, "png", dir.resolve(i + ".png").toFile());
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
