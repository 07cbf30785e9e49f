package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/** {@code torch.nn.Embedding}: rows of {@code weight [num, dim]} picked by int64 ids. */
public final class Embedding extends Module {
    private final Tensor weight;

    public Embedding(Module parent, String name, long numEmbeddings, long dim) {
        super(parent, name);
        this.weight = parameter("weight", numEmbeddings, dim);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor forward(Tensor ids) {
        try (var scope = enter()) {
            return weight.gather(ids, 0);
        }
    }
}
