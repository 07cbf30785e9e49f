package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.cli.Flags;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What changing a generator's LoRA costs: one-step images (text encoder, one UNet step, VAE) drawn with the same
 * LoRA as the image before, with a LoRA drawn before and still kept merged ({@link Txt2Img#MERGED_LORA_STACKS}), and
 * with a LoRA not seen before (merged then). The differences of their medians are a switch from the cache and a
 * merge. LoRAs as {@link Txt2ImgBenchmark}'s: random, rank 4, on every UNet attention projection.
 *
 * <pre>
 *   java -cp ... io.sdtune.diffusion.benchmark.LoraSwitchBenchmark --model DIR [--device cpu|cuda]
 *        [--dtype float32|float16] [--size 512] [--loras 4]
 * </pre>
 * Prints one Markdown row: model, device, dtype, size, median ms of a one-step image on the same LoRA, on a kept
 * one, on a new one; switch ms, merge ms.
 */
public final class LoraSwitchBenchmark {

    private LoraSwitchBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Flags flags = new Flags("LoraSwitchBenchmark")
                .required("model", "a diffusers model folder")
                .option("device", "cpu", "cpu, cuda or cuda:N")
                .option("dtype", "float32", "float32 or float16")
                .option("size", "512", "image size")
                .option("loras", Integer.toString(Txt2Img.MERGED_LORA_STACKS), "LoRAs drawn in turn (at most the kept)")
                .parse(Arrays.asList(args));
        Device device = Device.parse(flags.string("device"));
        DType dtype = DType.parse(flags.string("dtype"));
        int size = flags.integer("size");
        int loras = Math.min(flags.integer("loras"), Txt2Img.MERGED_LORA_STACKS);
        GenerationParams p = GenerationParams.of("A <cat-toy> backpack", 0).withSize(size, size).withSteps(1, "ddim");
        try (StableDiffusion sd = StableDiffusion.load(Path.of(flags.string("model")));
                Txt2Img pipeline = new Txt2Img(sd, device, dtype)) {
            List<Adapters> adapters = Txt2ImgBenchmark.adapters(sd, loras + 1, loras + 1);
            draw(pipeline, p, adapters.get(loras)); // builds the sessions
            double[] fresh = new double[loras];
            double[] kept = new double[loras];
            double[] same = new double[loras];
            for (int i = 0; i < loras; i++) {
                fresh[i] = draw(pipeline, p, adapters.get(i));
            }
            for (int i = 0; i < loras; i++) {
                kept[i] = draw(pipeline, p, adapters.get(i));
                same[i] = draw(pipeline, p, adapters.get(i));
            }
            double sameMs = median(same);
            double keptMs = median(kept);
            double freshMs = median(fresh);
            System.out.printf("| %s | %s | %s | %dx%d | %.1f | %.1f | %.1f | %.1f | %.1f |%n", sd.name(), device,
                    dtype.name().toLowerCase(), size, size, sameMs, keptMs, freshMs, keptMs - sameMs, freshMs - sameMs);
        }
    }

    /** Milliseconds of one drawing. */
    private static double draw(Txt2Img pipeline, GenerationParams p, Adapters adapters) {
        long start = System.nanoTime();
        pipeline.generate(p, adapters, null);
        return (System.nanoTime() - start) / 1e6;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
