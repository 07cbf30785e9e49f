package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import java.util.List;
import java.util.Map;

/**
 * diffusers' {@code Attention}: multi-head scaled dot-product attention with projections
 * {@code to_q}, {@code to_k}, {@code to_v} and {@code to_out.0}; self-attention when no context is given.
 * The VAE's variant adds a {@code group_norm} and works on feature maps ({@link #forwardSpatial}).
 */
public final class Attention extends Module {
    private final int heads;
    private final boolean upcast;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final GroupNorm groupNorm;

    /**
     * @param contextDim the key/value input width ({@code cross_attention_dim}), or {@code queryDim} for self-attention
     * @param bias whether q/k/v have biases (the UNet's do not, the VAE's do)
     * @param normGroups groups of the VAE's {@code group_norm}, or 0 for none
     * @param upcast diffusers' {@code upcast_attention} (SD 2.1): scores and softmax in float32 when the model is not
     */
    public Attention(Module parent, String name, long queryDim, long contextDim, int heads, long dimHead, boolean bias,
            int normGroups, double normEps, boolean upcast) {
        super(parent, name);
        this.heads = heads;
        this.upcast = upcast;
        long inner = heads * dimHead;
        groupNorm = normGroups > 0 ? new GroupNorm(this, "group_norm", normGroups, queryDim, normEps) : null;
        toQ = new Linear(this, "to_q", queryDim, inner, bias);
        toK = new Linear(this, "to_k", contextDim, inner, bias);
        toV = new Linear(this, "to_v", contextDim, inner, bias);
        toOut = new Linear(this, "to_out.0", inner, queryDim, true);
    }

    /** Attention over tokens {@code [B, N, queryDim]}, keys and values from {@code context} (or the tokens). */
    public Tensor forward(Tensor hidden, Tensor context) {
        try (var scope = enter()) {
            Tensor kv = context == null ? hidden : context;
            return toOut.forward(multiHead(toQ.forward(hidden), toK.forward(kv), toV.forward(kv), heads, null, upcast));
        }
    }

    /**
     * {@code softmax(q kᵀ / √d + mask) v} per head, for projected {@code q [B, N, heads·d]} and
     * {@code k, v [B, M, heads·d]}; {@code mask} (broadcast to {@code [B, heads, N, M]}) may be null. Unmasked, in
     * a graph that {@linkplain io.sdtune.diffusion.graph.Graph#useContribOps uses contrib ops}, it is one ONNX
     * Runtime {@code MultiHeadAttention}, whose CUDA kernels never hold the {@code N x M} scores of every head
     * (flash and memory-efficient attention) and accumulate them in float32 whatever the inputs' type. Otherwise,
     * with {@code upcast}, half-precision scores and softmax are computed in float32 (diffusers' {@code
     * upcast_attention}: SD 2.1's float16 scores overflow) and the weights cast back before {@code v}.
     */
    public static Tensor multiHead(Tensor q, Tensor k, Tensor v, int heads, Tensor mask, boolean upcast) {
        long b = q.shape().dim(0);
        long n = q.shape().dim(1);
        long inner = q.shape().dim(2);
        long d = inner / heads;
        if (mask == null && q.graph().contribOps()) {
            return q.graph().apply("com.microsoft.MultiHeadAttention", List.of(q, k, v),
                    Map.of("num_heads", (long) heads), List.of(q.dtype()), List.of(Shape.of(b, n, v.shape().dim(2))))
                    .get(0);
        }
        boolean toFloat32 = upcast && q.dtype() != DType.FLOAT32;
        Tensor query = toFloat32 ? q.cast(DType.FLOAT32) : q;
        Tensor key = toFloat32 ? k.cast(DType.FLOAT32) : k;
        Tensor scores = splitHeads(query.mul(1 / Math.sqrt(d)), heads).matmul(splitHeads(key, heads).mT());
        Tensor weights = (mask == null ? scores : scores.add(mask.cast(scores.dtype()))).softmax(-1).cast(v.dtype());
        return weights.matmul(splitHeads(v, heads)).transpose(0, 2, 1, 3).reshape(b, n, inner);
    }

    /** The VAE's self-attention over a feature map {@code [B, C, H, W]}, with its residual. */
    public Tensor forwardSpatial(Tensor x) {
        try (var scope = enter()) {
            long b = x.shape().dim(0);
            long c = x.shape().dim(1);
            Tensor tokens = groupNorm.forward(x).reshape(b, c, -1).transpose(0, 2, 1);
            Tensor out = forward(tokens, null).transpose(0, 2, 1).reshape(x.shape());
            return out.add(x);
        }
    }

    /** {@code [B, N, heads·d]} to {@code [B, heads, N, d]}. */
    private static Tensor splitHeads(Tensor x, int heads) {
        return x.reshape(x.shape().dim(0), x.shape().dim(1), heads, -1).transpose(0, 2, 1, 3);
    }
}
