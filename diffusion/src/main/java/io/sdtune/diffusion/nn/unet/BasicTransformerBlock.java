package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Attention;
import io.sdtune.diffusion.nn.LayerNorm;
import io.sdtune.diffusion.nn.Module;

/** diffusers' {@code BasicTransformerBlock}: pre-norm self-attention, cross-attention to the text, GEGLU feed-forward. */
final class BasicTransformerBlock extends Module {
    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final FeedForward ff;

    BasicTransformerBlock(Module parent, String name, long dim, int heads, long dimHead, long crossAttentionDim,
            boolean upcastAttention) {
        super(parent, name);
        norm1 = new LayerNorm(this, "norm1", dim, 1e-5);
        attn1 = new Attention(this, "attn1", dim, dim, heads, dimHead, false, 0, 0, upcastAttention);
        norm2 = new LayerNorm(this, "norm2", dim, 1e-5);
        attn2 = new Attention(this, "attn2", dim, crossAttentionDim, heads, dimHead, false, 0, 0, upcastAttention);
        norm3 = new LayerNorm(this, "norm3", dim, 1e-5);
        ff = new FeedForward(this, "ff", dim);
    }

    Tensor forward(Tensor h, Tensor context) {
        try (var scope = enter()) {
            h = attn1.forward(norm1.forward(h), null).add(h);
            h = attn2.forward(norm2.forward(h), context).add(h);
            return ff.forward(norm3.forward(h)).add(h);
        }
    }
}
