package io.sdtune.diffusion.runtime;

import java.nio.file.Path;

/**
 * How a session executes: the device, and optionally a file prefix under which ONNX Runtime writes a
 * per-node profile (Chrome trace JSON) of every run, for finding where step time goes.
 */
public record ExecutionOptions(Device device, Path profilePrefix) {
    /** Runs on {@code device}, profiled when {@code -Dsdtune.ort.profile=PREFIX} is set. */
    public static ExecutionOptions on(Device device) {
        String prefix = System.getProperty(Session.PROFILE, "").strip();
        return new ExecutionOptions(device, prefix.isEmpty() ? null : Path.of(prefix));
    }

    public ExecutionOptions withProfiling(Path prefix) {
        return new ExecutionOptions(device, prefix);
    }
}
