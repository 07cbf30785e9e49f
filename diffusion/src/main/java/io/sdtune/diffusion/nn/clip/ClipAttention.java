package io.sdtune.diffusion.nn.clip;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Attention;
import io.sdtune.diffusion.nn.Linear;
import io.sdtune.diffusion.nn.Module;

/** transformers' {@code CLIPAttention}: q, k, v and out projections with biases, under the causal mask. */
final class ClipAttention extends Module {
    private final int heads;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;

    ClipAttention(Module parent, String name, long dim, int heads) {
        super(parent, name);
        this.heads = heads;
        qProj = new Linear(this, "q_proj", dim, dim, true);
        kProj = new Linear(this, "k_proj", dim, dim, true);
        vProj = new Linear(this, "v_proj", dim, dim, true);
        outProj = new Linear(this, "out_proj", dim, dim, true);
    }

    Tensor forward(Tensor h, Tensor mask) {
        try (var scope = enter()) {
            return outProj.forward(Attention.multiHead(qProj.forward(h), kProj.forward(h), vProj.forward(h), heads, mask,
                    false));
        }
    }
}
