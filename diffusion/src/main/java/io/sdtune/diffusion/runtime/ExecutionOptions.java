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
 * @param graphArenaLimit with {@code cudaGraph}, the most bytes the session's own arena takes, its weights included
 *     (0: no limit). The arena grows by powers of two, and its last growth is cut to the limit instead of doubling
 *     past what the runs need; a run that needs more fails (see {@link #withCudaGraph(long)}).
 */
public record ExecutionOptions(Device device, Path profilePrefix, boolean cudaGraph, long graphArenaLimit) {

    public ExecutionOptions {
        if (graphArenaLimit < 0 || graphArenaLimit > 0 && !cudaGraph) {
            throw new IllegalArgumentException("an arena limit is for a session replayed as a CUDA graph, got "
                    + graphArenaLimit + " bytes" + (cudaGraph ? "" : " without CUDA graphs"));
        }
    }

    /** Runs on {@code device}, profiled when {@code -Dsdtune.ort.profile=PREFIX} is set. */
    public static ExecutionOptions on(Device device) {
        String prefix = System.getProperty(Session.PROFILE, "").strip();
        return new ExecutionOptions(device, prefix.isEmpty() ? null : Path.of(prefix), false, 0);
    }

    public ExecutionOptions withProfiling(Path prefix) {
        return new ExecutionOptions(device, prefix, cudaGraph, graphArenaLimit);
    }

    /** Replayed as a CUDA graph, its arena growing without a limit. */
    public ExecutionOptions withCudaGraph() {
        return withCudaGraph(0);
    }

    /**
     * Replayed as a CUDA graph from an arena of at most {@code arenaLimit} bytes (0: no limit). A run that needs
     * more fails like a capture that fails, on the session's first run, and the caller makes the session again
     * without the limit.
     */
    public ExecutionOptions withCudaGraph(long arenaLimit) {
        return new ExecutionOptions(device, profilePrefix, true, arenaLimit);
    }
}
