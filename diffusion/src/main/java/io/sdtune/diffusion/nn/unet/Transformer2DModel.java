package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Conv2d;
import io.sdtune.diffusion.nn.GroupNorm;
import io.sdtune.diffusion.nn.Linear;
import io.sdtune.diffusion.nn.Module;

/**
 * diffusers' {@code Transformer2DModel} for continuous inputs: group norm, {@code proj_in} (1x1 conv, or
 * linear with {@code use_linear_projection} as in SD 2), one {@link BasicTransformerBlock} over the
 * spatial tokens, {@code proj_out} back, and the residual. The rest of its configuration is the UNet's.
 */
final class Transformer2DModel extends Module {
    private final GroupNorm norm;
    private final Conv2d projInConv;
    private final Linear projInLinear;
    private final BasicTransformerBlock block;
    private final Conv2d projOutConv;
    private final Linear projOutLinear;

    Transformer2DModel(Module parent, String name, long channels, int heads, UNet2DConditionConfig c) {
        super(parent, name);
        long dimHead = channels / heads;
        boolean linearProjection = c.useLinearProjection();
        norm = new GroupNorm(this, "norm", c.normNumGroups(), channels, 1e-6);
        projInConv = linearProjection ? null : new Conv2d(this, "proj_in", channels, channels, 1, 1, 0);
        projInLinear = linearProjection ? new Linear(this, "proj_in", channels, channels, true) : null;
        block = new BasicTransformerBlock(this, "transformer_blocks.0", channels, heads, dimHead, c.crossAttentionDim(),
                c.upcastAttention());
        projOutConv = linearProjection ? null : new Conv2d(this, "proj_out", channels, channels, 1, 1, 0);
        projOutLinear = linearProjection ? new Linear(this, "proj_out", channels, channels, true) : null;
    }

    Tensor forward(Tensor x, Tensor context) {
        try (var scope = enter()) {
            long b = x.shape().dim(0);
            long c = x.shape().dim(1);
            Tensor h = norm.forward(x);
            if (projInConv != null) {
                h = projInConv.forward(h);
            }
            h = h.reshape(b, c, -1).transpose(0, 2, 1);
            if (projInLinear != null) {
                h = projInLinear.forward(h);
            }
            h = block.forward(h, context);
            if (projOutLinear != null) {
                h = projOutLinear.forward(h);
            }
            h = h.transpose(0, 2, 1).reshape(x.shape());
            if (projOutConv != null) {
                h = projOutConv.forward(h);
            }
            return h.add(x);
        }
    }
}
