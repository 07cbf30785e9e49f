package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import java.util.List;

/**
 * Clipping by the global L2 norm of all gradients, as {@code torch.nn.utils.clip_grad_norm_}: every
 * gradient is scaled by {@code min(1, max_norm / (‖g‖ + 1e-6))}.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** {@code ‖g‖₂} over all gradients together, in float32. */
    public static Tensor globalNorm(List<Tensor> grads) {
        Tensor sum = null;
        for (Tensor g : grads) {
            Tensor s = g.cast(DType.FLOAT32).square().sum();
            sum = sum == null ? s : sum.add(s);
        }
        return sum.sqrt();
    }

    /** What the gradients are multiplied by so that their global norm is at most {@code maxNorm}. */
    public static Tensor coefficient(Tensor globalNorm, double maxNorm) {
        Graph g = globalNorm.graph();
        return g.scalar(maxNorm, DType.FLOAT32).div(globalNorm.add(1e-6)).minimum(g.scalar(1, DType.FLOAT32));
    }
}
