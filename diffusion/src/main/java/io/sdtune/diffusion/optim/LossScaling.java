package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import java.util.List;

/**
 * Dynamic loss scaling for float16 compute, as {@code torch.amp.GradScaler} does it (and so Accelerate's
 * {@code --mixed_precision fp16}): the loss is multiplied by a scale before the backward pass so that
 * small gradients survive float16, the gradients are divided by it before clipping and AdamW, and a
 * step whose gradients are not finite is skipped (parameters, moments and step count kept) while the
 * scale is multiplied by {@code backoffFactor}; after {@code growthInterval} finite steps in a row the
 * scale grows by {@code growthFactor}.
 */
public record LossScaling(double initScale, double growthFactor, double backoffFactor, int growthInterval) {

    public LossScaling {
        if (!(initScale > 0) || !(growthFactor > 1) || !(backoffFactor > 0 && backoffFactor < 1) || growthInterval < 1) {
            throw new IllegalArgumentException("loss scaling needs init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1"
                    + " and growth_interval >= 1");
        }
    }

    /** {@code GradScaler}'s defaults: 2^16, x2 every 2000 finite steps, x0.5 on overflow. */
    public static LossScaling gradScalerDefaults() {
        return new LossScaling(65536, 2, 0.5, 2000);
    }

    /** The scale and growth tracker after a step whose gradients were {@code finite} or not. */
    List<Tensor> next(Tensor scale, Tensor tracker, Tensor finite) {
        Graph g = finite.graph();
        Tensor counted = tracker.add(1);
        Tensor grow = counted.greaterOrEqual(g.scalar(growthInterval, DType.INT64));
        Tensor zero = g.scalar(0, DType.INT64);
        Tensor nextScale = Tensor.where(finite, Tensor.where(grow, scale.mul(growthFactor), scale), scale.mul(backoffFactor));
        Tensor nextTracker = Tensor.where(finite, Tensor.where(grow, zero, counted), zero);
        return List.of(nextScale, nextTracker);
    }
}
