package io.sdtune.diffusion.nn.clip;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.LayerNorm;
import io.sdtune.diffusion.nn.Module;

/** transformers' {@code CLIPEncoderLayer}: {@code h + self_attn(layer_norm1(h))}, then {@code h + mlp(layer_norm2(h))}. */
final class ClipEncoderLayer extends Module {
    private final LayerNorm layerNorm1;
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final ClipMlp mlp;

    ClipEncoderLayer(Module parent, String name, ClipTextConfig c) {
        super(parent, name);
        layerNorm1 = new LayerNorm(this, "layer_norm1", c.hiddenSize(), c.layerNormEps());
        selfAttn = new ClipAttention(this, "self_attn", c.hiddenSize(), c.numAttentionHeads());
        layerNorm2 = new LayerNorm(this, "layer_norm2", c.hiddenSize(), c.layerNormEps());
        mlp = new ClipMlp(this, "mlp", c);
    }

    Tensor forward(Tensor h, Tensor mask) {
        try (var scope = enter()) {
            h = h.add(selfAttn.forward(layerNorm1.forward(h), mask));
            return h.add(mlp.forward(layerNorm2.forward(h)));
        }
    }
}
