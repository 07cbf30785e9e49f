package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.LoraStack;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.LoraFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Times text to image on a model folder: session creation (the first, warm-up generation), then
 * {@code --runs} timed generations, reporting the median wall time of one generation and of one UNet
 * step (classifier-free guidance: batch 2 per prompt) and the process's peak resident memory. With
 * {@code --prompts N}, a generation is N different prompts (seeds 0 to N-1) drawn as one batch, as the
 * generator service batches requests. With {@code --loras L}, prompt i is drawn with LoRA i mod L (random rank-4
 * LoRAs on the UNet's attention projections, seeded): 1 is one LoRA for every prompt, L = N a LoRA each - the
 * generator's mixed-adapter batches; 0 (the default) none.
 *
 * <pre>
 *   java -cp ... io.sdtune.diffusion.benchmark.Txt2ImgBenchmark --model DIR [--device cpu|cuda]
 *        [--dtype float32|float16] [--steps 50] [--size 512] [--scheduler dpmpp_2m] [--runs 3] [--prompts 1]
 *        [--loras 0]
 * </pre>
 * Prints one Markdown row: model, device, dtype, size, steps, prompts, LoRAs, first-run s, generation s, UNet
 * step ms, peak RSS MiB.
 */
public final class Txt2ImgBenchmark {
    private static final List<String> PROMPTS = List.of("a photo of an astronaut riding a horse on mars",
            "A <cat-toy> backpack", "<cat-toy> on the beach", "a watercolor of a lighthouse at dawn");

    private Txt2ImgBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path model = null;
        Device device = Device.CPU;
        DType dtype = DType.FLOAT32;
        int steps = 50;
        int size = 512;
        int runs = 3;
        String scheduler = "dpmpp_2m";
        int prompts = 1;
        int loras = 0;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--model" -> model = Path.of(value);
                case "--device" -> device = Device.parse(value);
                case "--dtype" -> dtype = DType.parse(value);
                case "--steps" -> steps = Integer.parseInt(value);
                case "--size" -> size = Integer.parseInt(value);
                case "--runs" -> runs = Integer.parseInt(value);
                case "--scheduler" -> scheduler = value;
                case "--prompts" -> prompts = Integer.parseInt(value);
                case "--loras" -> loras = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]
                        + " (expected --model, --device, --dtype, --steps, --size, --runs, --scheduler, --prompts, --loras)");
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required");
        }
        List<GenerationParams> params = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            params.add(GenerationParams.of(PROMPTS.get(i % PROMPTS.size()), i).withSize(size, size).withSteps(steps, scheduler));
        }
        try (StableDiffusion sd = StableDiffusion.load(model); Txt2Img pipeline = new Txt2Img(sd, device, dtype)) {
            List<Adapters> adapters = adapters(sd, prompts, loras);
            long t0 = System.nanoTime();
            pipeline.generate(params, adapters, null);
            double first = (System.nanoTime() - t0) / 1e9;
            double[] total = new double[runs];
            double[] unetStep = new double[runs];
            for (int r = 0; r < runs; r++) {
                long[] stepTimes = new long[steps + 2];
                long start = System.nanoTime();
                pipeline.generate(params, adapters, (step, all) -> stepTimes[step] = System.nanoTime());
                total[r] = (System.nanoTime() - start) / 1e9;
                // Median gap between consecutive steps: UNet run plus the scheduler's host work.
                int n = 0;
                double[] gaps = new double[steps + 1];
                for (int s = 2; s < stepTimes.length && stepTimes[s] != 0; s++) {
                    gaps[n++] = (stepTimes[s] - stepTimes[s - 1]) / 1e6;
                }
                double[] g = Arrays.copyOf(gaps, n);
                Arrays.sort(g);
                unetStep[r] = n == 0 ? Double.NaN : g[n / 2];
            }
            Arrays.sort(total);
            Arrays.sort(unetStep);
            System.out.printf("| %s | %s | %s | %dx%d | %d %s | %d | %d | %.1f | %.2f | %.1f | %d |%n", sd.name(), device,
                    dtype.name().toLowerCase(), size, size, steps, scheduler, prompts, loras, first, total[runs / 2],
                    unetStep[runs / 2], ProcessMemory.peakResidentMiB());
        }
    }

    /** Prompt i's adapters: LoRA i mod {@code loras}, each rank 4 on every UNet attention projection. */
    static List<Adapters> adapters(StableDiffusion sd, int prompts, int loras) throws IOException {
        Map<LoraFile.Component, Map<String, Shape>> layers = sd.loraLayers();
        List<Adapters> distinct = new ArrayList<>();
        for (int l = 0; l < loras; l++) {
            Random random = new Random(l);
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            layers.get(LoraFile.Component.UNET).forEach((layer, weight) -> {
                if (layer.matches(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)")) {
                    tensors.put("unet." + layer + ".lora_A.weight", TensorData.randn(DType.FLOAT32,
                            Shape.of(4, weight.dim(1)), 0.1, random));
                    tensors.put("unet." + layer + ".lora_B.weight", TensorData.randn(DType.FLOAT32,
                            Shape.of(weight.dim(0), 4), 0.1, random));
                }
            });
            // Written out, as an adapter comes: the images' parameters name it by its file's hash.
            Path file = Files.createTempFile("random-" + l + "-", ".safetensors");
            file.toFile().deleteOnExit();
            LoraFile lora = LoraFile.of(file, tensors, layers);
            lora.write(file, LoraFile.Layout.DIFFUSERS);
            distinct.add(new Adapters(new LoraStack(List.of(new LoraStack.Applied(lora, 1))), List.of()));
        }
        List<Adapters> perPrompt = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            perPrompt.add(loras == 0 ? Adapters.none() : distinct.get(i % loras));
        }
        return perPrompt;
    }
}
