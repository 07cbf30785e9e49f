package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.cli.Flags;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Resident memory of one {@link Txt2Img} as it draws several image sizes in a row, as a generator does when
 * requests come at other sizes: each size needs its own UNet and VAE decoder sessions, of which the pipeline keeps
 * at most {@code --max-sessions} (least recently used closed first). One image per size, seed 0, few steps; after
 * each size it prints the process's resident memory ({@code VmRSS}; "n/a" where not Linux) and the sessions kept,
 * built and closed, and on a GPU the peak of its memory in use so far ({@code nvidia-smi}). One setting per process,
 * so that the peak it reports belongs to that setting alone.
 *
 * <pre>
 *   java -cp ... io.sdtune.diffusion.benchmark.SessionMemoryBenchmark --model DIR [--max-sessions 6]
 *        [--sizes 64,128,192,256,320,384] [--steps 2] [--scheduler ddim] [--device cpu|cuda] [--dtype float32|float16]
 * </pre>
 * Its last line is one Markdown row: max sessions, VmRSS MiB after each size, peak VmRSS ({@code VmHWM}) MiB,
 * sessions kept / built / closed at the end, and on a GPU its peak memory in use in MiB.
 */
public final class SessionMemoryBenchmark {
    private static final String PROMPT = "a photo of an astronaut riding a horse on mars";

    private SessionMemoryBenchmark() {
    }

    private static String gpuMiB(GpuMemoryMonitor gpu) {
        return gpu.peakGiB() < 0 ? "n/a" : String.format("%.0f MiB", gpu.peakGiB() * 1024);
    }

    public static void main(String[] args) {
        Flags flags = new Flags("SessionMemoryBenchmark")
                .required("model", "a diffusers model folder")
                .option("max-sessions", Integer.toString(Txt2Img.DEFAULT_MAX_SESSIONS), "sessions the pipeline keeps")
                .option("sizes", "64,128,192,256,320,384", "the image sizes drawn in turn, comma-separated")
                .option("steps", "2", "denoising steps of each image")
                .option("scheduler", "ddim", "the sampler")
                .option("device", "cpu", "cpu, cuda or cuda:N")
                .option("dtype", "float32", "float32 or float16")
                .parse(Arrays.asList(args));
        Path model = Path.of(flags.string("model"));
        Device device = Device.parse(flags.string("device"));
        DType dtype = DType.parse(flags.string("dtype"));
        int maxSessions = flags.integer("max-sessions");
        int[] sizes = Arrays.stream(flags.string("sizes").split(",")).map(String::trim).mapToInt(Integer::parseInt)
                .toArray();
        int steps = flags.integer("steps");
        String scheduler = flags.string("scheduler");
        try (GpuMemoryMonitor gpu = GpuMemoryMonitor.start(device); StableDiffusion sd = StableDiffusion.load(model);
                Txt2Img pipeline = new Txt2Img(sd, device, dtype, maxSessions)) {
            System.out.printf("%s, %s %s, max sessions %d, %d %s steps, 1 image per size; VmRSS at start %s MiB%n", sd.name(),
                    device, dtype.name().toLowerCase(), maxSessions, steps, scheduler, ProcessMemory.format(ProcessMemory.residentMiB()));
            List<String> resident = new ArrayList<>();
            Txt2Img.SessionStats stats = pipeline.sessionStats();
            for (int size : sizes) {
                long start = System.nanoTime();
                pipeline.generate(GenerationParams.of(PROMPT, 0).withSize(size, size).withSteps(steps, scheduler), null);
                double seconds = (System.nanoTime() - start) / 1e9;
                String rss = ProcessMemory.format(ProcessMemory.residentMiB());
                resident.add(rss);
                stats = pipeline.sessionStats();
                System.out.printf("after %dx%d: VmRSS %s MiB, sessions kept %d (built %d, closed %d), weights %.0f MiB, "
                        + "GPU peak so far %s, %.1f s%n", size, size, rss, stats.open(), stats.builds(), stats.evictions(),
                        pipeline.weightBytes() / 1048576.0, gpuMiB(gpu), seconds);
            }
            System.out.printf("| %d | %s | %s | %d / %d / %d |%s%n", maxSessions, String.join(" | ", resident),
                    ProcessMemory.format(ProcessMemory.peakResidentMiB()), stats.open(), stats.builds(), stats.evictions(),
                    device.kind() == Device.Kind.CPU ? "" : " " + gpuMiB(gpu) + " |");
        }
    }
}
