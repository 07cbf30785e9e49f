package io.sdtune.diffusion.nn.clip;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Embedding;
import io.sdtune.diffusion.nn.Module;
import java.util.List;

/**
 * transformers' {@code CLIPTextEmbeddings}: token plus position embeddings; with added tokens (Textual Inversion),
 * their rows a separate tensor after the vocabulary's ({@link ClipTextModel#ADDED_TOKENS}), so that only those rows
 * are trained or swapped.
 */
final class ClipTextEmbeddings extends Module {
    private final Tensor addedTokens;
    private final Embedding tokenEmbedding;
    private final Embedding positionEmbedding;

    ClipTextEmbeddings(Module parent, String name, ClipTextConfig c, int addedTokens) {
        super(parent, name);
        this.addedTokens = addedTokens > 0 ? parameter("token_embedding.added_tokens", addedTokens, c.hiddenSize()) : null;
        tokenEmbedding = new Embedding(this, "token_embedding", c.vocabSize(), c.hiddenSize());
        positionEmbedding = new Embedding(this, "position_embedding", c.maxPositionEmbeddings(), c.hiddenSize());
    }

    Tensor tokenEmbeddingWeight() {
        return tokenEmbedding.weight();
    }

    /** {@code inputIds}: int64 {@code [B, L]}; returns {@code [B, L, hidden]}. */
    Tensor forward(Tensor inputIds) {
        try (var scope = enter()) {
            Tensor positions = graph().arange(0, inputIds.shape().dim(1), 1, DType.INT64);
            Tensor tokens = addedTokens == null ? tokenEmbedding.forward(inputIds)
                    : Tensor.concat(0, List.of(tokenEmbedding.weight(), addedTokens)).gather(inputIds, 0);
            return tokens.add(positionEmbedding.forward(positions));
        }
    }
}
