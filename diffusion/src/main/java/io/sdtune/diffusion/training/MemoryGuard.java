package io.sdtune.diffusion.training;

import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.MemoryEstimate;

/**
 * Whether a training run fits its device, decided from the step's {@link MemoryEstimate} before the run takes any
 * memory: the estimate plus what the runtime holds besides the program ({@code overheadBytes}: the CUDA context
 * and library workspaces, or on the CPU the JVM and ONNX Runtime), against the device's memory. A run that does
 * not fit is refused with both figures - or, when {@code allowSavings}, first built again with gradient
 * checkpointing and 8-bit AdamW ({@link Trainer}).
 */
public record MemoryGuard(long deviceBytes, long overheadBytes, boolean allowSavings) {
    private static final double GIB = 1L << 30;

    public MemoryGuard {
        if (deviceBytes <= 0 || overheadBytes < 0) {
            throw new IllegalArgumentException("a memory guard needs the device's size and a non-negative overhead");
        }
    }

    public long needed(MemoryEstimate estimate) {
        return estimate.total() + overheadBytes;
    }

    public boolean fits(MemoryEstimate estimate) {
        return needed(estimate) <= deviceBytes;
    }

    /** @throws InsufficientMemoryException naming the estimate, its parts and the device's size, when it does not fit */
    public void require(MemoryEstimate estimate, Device device) {
        if (!fits(estimate)) {
            throw new InsufficientMemoryException(String.format("this training needs an estimated %.1f GiB on %s"
                    + " (weights %.1f, inputs %.1f, activations and gradients %.1f, runtime %.1f) and the device has"
                    + " %.1f GiB; gradient_checkpointing, use_8bit_adam, a lower resolution or batch, or mixed_precision"
                    + " fp16 need less", needed(estimate) / GIB, device, estimate.weights() / GIB,
                    estimate.inputs() / GIB, estimate.peakComputed() / GIB, overheadBytes / GIB, deviceBytes / GIB));
        }
    }

    /** A run refused because its estimate does not fit the device. */
    public static final class InsufficientMemoryException extends RuntimeException {
        InsufficientMemoryException(String message) {
            super(message);
        }
    }
}
