package io.sdtune.diffusion.runtime;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * How much memory a device has (a GPU's as {@code nvidia-smi} reports it, the CPU's as the JVM sees it), and what
 * ONNX Runtime's arena on a GPU holds.
 */
public final class DeviceMemory {
    private DeviceMemory() {
    }

    /**
     * The device's memory in bytes: for the CPU the machine's, or the container's limit (the JVM reads the
     * cgroup); for CUDA GPU N {@code nvidia-smi --query-gpu=memory.total -i N}; empty where that cannot be run.
     */
    public static OptionalLong total(Device device) {
        if (device.kind() == Device.Kind.CPU) {
            return OptionalLong.of(((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize());
        }
        try {
            Process smi = new ProcessBuilder("nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits",
                    "-i", String.valueOf(device.index())).redirectErrorStream(true).start();
            String out = new String(smi.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!smi.waitFor(10, TimeUnit.SECONDS) || smi.exitValue() != 0) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(out) << 20);
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /**
     * Statistics of ONNX Runtime's arena on a CUDA device, shared by every session of this process there (bytes and
     * counts under ONNX Runtime's names: {@code InUse}, {@code MaxInUse}, {@code TotalAllocated} - what the arena has
     * taken from the device -, {@code NumAllocs}, {@code NumArenaExtensions}, ...). {@code TotalAllocated} well above
     * {@code MaxInUse} is memory lost to fragmentation. Empty for the CPU, whose sessions run without an arena, and
     * for a GPU no session has used yet.
     */
    public static Map<String, Long> arenaStats(Device device) {
        return OrtCApi.get().arenaStats(device);
    }

    /**
     * Statistics, under the same names, of the largest arena of its own that a session replayed as a CUDA graph held
     * on {@code device} (a LoRA or Textual Inversion step's gradient run, a generator's UNet), as it stood when the
     * session closed; empty where none has closed.
     */
    public static Map<String, Long> capturedArenaStats(Device device) {
        return OrtCApi.get().capturedArenaStats(device);
    }
}
