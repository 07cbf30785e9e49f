package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.Tensor;

/**
 * AdamW (Loshchilov &amp; Hutter, decoupled weight decay) with bias correction, as
 * {@code torch.optim.AdamW} computes it:
 *
 * <pre>
 *   θ ← θ − η λ θ
 *   m ← β₁ m + (1 − β₁) g        v ← β₂ v + (1 − β₂) g²
 *   θ ← θ − η m̂ / (√v̂ + ε)       m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
 * </pre>
 *
 * The defaults are those of the diffusers training scripts ({@code --adam_beta1 0.9 --adam_beta2 0.999
 * --adam_weight_decay 1e-2 --adam_epsilon 1e-08}).
 */
public record AdamW(double beta1, double beta2, double weightDecay, double epsilon) {

    public AdamW {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(weightDecay >= 0) || !(epsilon > 0)) {
            throw new IllegalArgumentException("AdamW needs weight_decay >= 0 and epsilon > 0");
        }
    }

    public static AdamW defaults() {
        return new AdamW(0.9, 0.999, 1e-2, 1e-8);
    }

    /** One parameter's new value and moments. */
    public record Update(Tensor param, Tensor expAvg, Tensor expAvgSq) {
    }

    /**
     * The update as graph ops. {@code lr} is a scalar of the parameter's dtype; {@code t} the 1-based
     * number of this step, a float scalar, for the bias correction.
     */
    public Update apply(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor lr, Tensor t) {
        Tensor m = expAvg.mul(beta1).add(grad.mul(1 - beta1));
        Tensor v = expAvgSq.mul(beta2).add(grad.square().mul(1 - beta2));
        Tensor mHat = m.div(param.graph().scalar(beta1, t.dtype()).pow(t).rsub(1).cast(param.dtype()));
        Tensor vHat = v.div(param.graph().scalar(beta2, t.dtype()).pow(t).rsub(1).cast(param.dtype()));
        Tensor decayed = weightDecay == 0 ? param : param.sub(param.mul(lr).mul(weightDecay));
        Tensor next = decayed.sub(lr.mul(mHat.div(vHat.sqrt().add(epsilon))));
        return new Update(next, m, v);
    }
}
