package io.sdtune.diffusion.runtime;

import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Locale;

/**
 * ONNX Runtime could not allocate a buffer (host or device memory, its arena included). Unlike other failures it
 * may pass with a smaller batch or once sessions are closed, so callers can tell it apart.
 */
public final class AllocationFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** How ONNX Runtime words it: its arenas (BFCArena), the C++ allocator, CUDA and cuDNN. */
    private static final List<String> SIGNS = List.of("failed to allocate", "bad_alloc", "out of memory",
            "cudaerrormemoryallocation", "cudnn_status_alloc_failed");

    private AllocationFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code e} with {@code context}: an allocation failure when its message reports one, else a plain runtime exception. */
    static RuntimeException of(String context, OrtException e) {
        return of(context, e.getMessage(), e);
    }

    /** ONNX Runtime's {@code ortMessage} with {@code context}, as {@link #of(String, OrtException)}. */
    static RuntimeException of(String context, String ortMessage, Throwable cause) {
        String message = context + ": " + ortMessage;
        String lower = String.valueOf(ortMessage).toLowerCase(Locale.ROOT);
        return SIGNS.stream().anyMatch(lower::contains) ? new AllocationFailedException(message, cause)
                : new RuntimeException(message, cause);
    }
}
