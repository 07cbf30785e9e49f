package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 *
 * <p>Like PyTorch's multi-tensor ({@code foreach}) implementation, a group of parameters is updated
 * at once: their gradients are concatenated into one vector and the moments are kept as one vector
 * each, so the moment and step arithmetic is a handful of ops however many tensors are trained, and
 * each parameter costs two ops. On a GPU this is the difference between a few dozen kernel launches
 * and twenty per parameter tensor.
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

    /** A group's new parameters (in the order given) and new flat moments. */
    public record Update(List<Tensor> params, Tensor expAvg, Tensor expAvgSq) {
    }

    /**
     * The update of {@code params} (one dtype) as graph ops. {@code grad} is their gradients
     * flattened and concatenated in order; {@code expAvg} and {@code expAvgSq} are the flat moments;
     * {@code lr} a float64 scalar; {@code t} the 1-based number of this step as a float64 scalar.
     */
    public Update apply(List<Tensor> params, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor lr, Tensor t) {
        Tensor m = firstMoment(grad, expAvg);
        Tensor v = secondMoment(grad, expAvgSq);
        return new Update(step(params, direction(m, v, lr, t), lr), m, v);
    }

    /** {@code m ← β₁ m + (1 − β₁) g}. */
    public Tensor firstMoment(Tensor grad, Tensor expAvg) {
        return expAvg.mul(beta1).add(grad.mul(1 - beta1));
    }

    /** {@code v ← β₂ v + (1 − β₂) g²}. */
    public Tensor secondMoment(Tensor grad, Tensor expAvgSq) {
        return expAvgSq.mul(beta2).add(grad.square().mul(1 - beta2));
    }

    /** {@code η m̂ / (√v̂ + ε)}, flat, in the moments' dtype: what {@link #step} subtracts. */
    public Tensor direction(Tensor m, Tensor v, Tensor lr, Tensor t) {
        Graph g = m.graph();
        DType dtype = m.dtype();
        // Scalars in float64, as PyTorch computes them in Python floats: in float32, 1 − β₂ᵗ loses
        // five digits to cancellation in the first steps.
        Tensor biasCorrection1 = g.scalar(beta1, DType.FLOAT64).pow(t).rsub(1);
        Tensor biasCorrection2 = g.scalar(beta2, DType.FLOAT64).pow(t).rsub(1);
        Tensor stepSize = lr.div(biasCorrection1).cast(dtype);
        return m.div(v.div(biasCorrection2.cast(dtype)).sqrt().add(epsilon)).mul(stepSize);
    }

    /**
     * {@code θ ← θ (1 − η λ) − direction} for each parameter, its piece of the flat {@code direction} cut out in
     * order (a longer direction, padded to whole quantization blocks, has its tail ignored) and cast to its dtype.
     */
    public List<Tensor> step(List<Tensor> params, Tensor direction, Tensor lr) {
        long total = params.stream().mapToLong(p -> p.shape().size()).sum();
        Tensor flat = direction.shape().size() == total ? direction : direction.slice(0, 0, total);
        DType dtype = params.get(0).dtype();
        Tensor decay = lr.mul(weightDecay).rsub(1).cast(dtype);
        List<Tensor> next = new ArrayList<>();
        List<Tensor> pieces = split(flat.cast(dtype), params);
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor decayed = weightDecay == 0 ? p : p.mul(decay);
            next.add(decayed.sub(pieces.get(i).reshape(p.shape())));
        }
        return next;
    }

    /** One ONNX {@code Split} of the flat vector into the parameters' sizes. */
    private static List<Tensor> split(Tensor flat, List<Tensor> params) {
        long[] sizes = params.stream().mapToLong(p -> p.shape().size()).toArray();
        if (sizes.length == 1) {
            return List.of(flat);
        }
        List<DType> dtypes = params.stream().map(p -> flat.dtype()).toList();
        List<Shape> shapes = params.stream().map(p -> Shape.of(p.shape().size())).toList();
        return flat.graph().apply("Split", List.of(flat, flat.graph().constantLongs(sizes)), Map.of("axis", 0L),
                dtypes, shapes);
    }
}
