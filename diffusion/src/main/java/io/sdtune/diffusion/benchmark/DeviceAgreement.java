package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.cli.Flags;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a GPU draws what the CPU draws: the same prompts and seeds through {@link Txt2Img} on the CPU in float32
 * (the reference) and on {@code --device} in each of {@code --dtypes}, compared pixel by pixel. A device's sessions
 * differ from the CPU's in more than the kernels: on CUDA they run channels-last and with ONNX Runtime's CUDA-only
 * fused operators ({@link io.sdtune.diffusion.graph.Graph#useCudaContribOps}, with {@code
 * -D}{@value io.sdtune.diffusion.pipeline.Txt2Img#CUDA_CONTRIB_OPS}{@code =true}), which no test on a CPU machine runs.
 *
 * <pre>
 *   java -cp ... io.sdtune.diffusion.benchmark.DeviceAgreement --model DIR [--device cuda] [--dtypes float32,float16]
 *        [--size 128] [--steps 4] [--tolerance 2] [--output_dir DIR]
 * </pre>
 * Prints one Markdown row per image and dtype: the largest and the mean absolute difference in 8-bit levels. Exits 1
 * when a mean exceeds {@code --tolerance} levels. With {@code --output_dir}, writes every image as a PNG.
 */
public final class DeviceAgreement {
    private static final List<String> PROMPTS = List.of("a large red circle on the left, on a blue background",
            "a small yellow star, a green square");

    private DeviceAgreement() {
    }

    public static void main(String[] args) throws IOException {
        Flags flags = new Flags("DeviceAgreement")
                .required("model", "a diffusers model folder")
                .option("device", "cuda", "the device compared with the CPU: cuda or cuda:N")
                .option("dtypes", "float32,float16", "the device's dtypes, comma-separated")
                .option("size", "128", "image size")
                .option("steps", "4", "DPM++ 2M steps")
                .option("tolerance", "2", "the largest mean absolute difference in levels that passes")
                .option("output_dir", "", "where to write the images (none if empty)")
                .parse(Arrays.asList(args));
        Device device = Device.parse(flags.string("device"));
        int size = flags.integer("size");
        List<GenerationParams> params = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            params.add(GenerationParams.of(PROMPTS.get(i), i + 1).withSize(size, size)
                    .withSteps(flags.integer("steps"), "dpmpp_2m"));
        }
        Path out = flags.string("output_dir").isEmpty() ? null : Files.createDirectories(Path.of(flags.string("output_dir")));
        double tolerance = Double.parseDouble(flags.string("tolerance"));
        boolean agree = true;
        try (StableDiffusion sd = StableDiffusion.load(Path.of(flags.string("model")))) {
            List<GeneratedImage> reference = draw(sd, Device.CPU, DType.FLOAT32, params, out);
            System.out.println("| model | device | dtype | prompt | seed | largest difference (levels) | mean difference (levels) |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (String name : flags.string("dtypes").split(",")) {
                DType dtype = DType.parse(name.trim());
                List<GeneratedImage> drawn = draw(sd, device, dtype, params, out);
                for (int i = 0; i < params.size(); i++) {
                    byte[] a = reference.get(i).rgb();
                    byte[] b = drawn.get(i).rgb();
                    int largest = 0;
                    long sum = 0;
                    for (int j = 0; j < a.length; j++) {
                        int d = Math.abs((a[j] & 0xff) - (b[j] & 0xff));
                        largest = Math.max(largest, d);
                        sum += d;
                    }
                    double mean = (double) sum / a.length;
                    agree &= mean <= tolerance;
                    System.out.printf("| %s | %s | %s | %s | %d | %d | %.3f |%n", sd.name(), device,
                            dtype.name().toLowerCase(), params.get(i).prompt(), params.get(i).seed(), largest, mean);
                }
            }
        }
        if (!agree) {
            System.out.println("a mean difference exceeds " + tolerance + " levels");
            System.exit(1);
        }
    }

    private static List<GeneratedImage> draw(StableDiffusion sd, Device device, DType dtype,
            List<GenerationParams> params, Path out) {
        List<GeneratedImage> images = new ArrayList<>();
        try (Txt2Img pipeline = new Txt2Img(sd, device, dtype)) {
            for (GenerationParams p : params) {
                GeneratedImage image = pipeline.generate(p, null).get(0);
                if (out != null) {
                    image.save(out.resolve(device.toString().replace(':', '-') + "-" + dtype.name().toLowerCase()
                            + "-" + p.seed() + ".png"));
                }
                images.add(image);
            }
        }
        return images;
    }
}
