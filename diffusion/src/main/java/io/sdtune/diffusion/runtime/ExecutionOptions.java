package io.sdtune.diffusion.runtime;

import java.nio.file.Path;

/**
 * How a session executes: the device; optionally a file prefix under which ONNX Runtime writes a per-node profile
 * (Chrome trace JSON) of every run, for finding where step time goes; and whether a CUDA session replays its runs as
 * a CUDA graph.
 *
 * @param cudaGraph on CUDA, ONNX Runtime captures the session's kernels once and replays them as one CUDA graph
 *     (no launch per kernel). The caller must then run it only through {@link IoBinding}s bound to the same device
 *     tensors every time, made by {@link Session#allocate} before its first run, since a replay reads and writes the
 *     addresses of the capture; such a session allocates from an arena of its own, which nothing else takes chunks
 *     from between replays. Ignored on the CPU, which has no graphs to capture.
 */
public record ExecutionOptions(Device device, Path profilePrefix, boolean cudaGraph) {

    /** Runs on {@code device}, profiled when {@code -Dsdtune.ort.profile=PREFIX} is set. */
    public static ExecutionOptions on(Device device) {
        String prefix = System.getProperty(Session.PROFILE, "").strip();
        return new ExecutionOptions(device, prefix.isEmpty() ? null : Path.of(prefix), false);
    }

    public ExecutionOptions withProfiling(Path prefix) {
        return new ExecutionOptions(device, prefix, cudaGraph);
    }

    public ExecutionOptions withCudaGraph() {
        return new ExecutionOptions(device, profilePrefix, true);
    }
}
