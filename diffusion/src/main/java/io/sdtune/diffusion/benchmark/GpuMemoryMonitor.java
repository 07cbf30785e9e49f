package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.runtime.Device;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Samples the GPU's memory in use with {@code nvidia-smi} every 50 ms while open and keeps the
 * peak. On the CPU, or without nvidia-smi, it reports -1.
 */
public final class GpuMemoryMonitor implements AutoCloseable {
    private final Process process;
    private final Thread reader;
    private volatile long peakMiB = -1;

    private GpuMemoryMonitor(Process process) {
        this.process = process;
        this.reader = process == null ? null : new Thread(this::read, "gpu-memory-monitor");
        if (reader != null) {
            reader.setDaemon(true);
            reader.start();
        }
    }

    public static GpuMemoryMonitor start(Device device) {
        if (device.kind() != Device.Kind.CUDA) {
            return new GpuMemoryMonitor(null);
        }
        try {
            return new GpuMemoryMonitor(new ProcessBuilder("nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits",
                    "-i", String.valueOf(device.index()), "-lms", "50").redirectErrorStream(true).start());
        } catch (IOException e) {
            return new GpuMemoryMonitor(null);
        }
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                try {
                    peakMiB = Math.max(peakMiB, Long.parseLong(line.trim()));
                } catch (NumberFormatException e) {
                    // a warning line from nvidia-smi: not a sample
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** The peak memory in use seen so far, in GiB, or -1 when not measured. */
    public double peakGiB() {
        return peakMiB < 0 ? -1 : peakMiB / 1024.0;
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
        }
    }
}
