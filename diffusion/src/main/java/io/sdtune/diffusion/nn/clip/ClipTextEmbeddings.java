package io.sdtune.diffusion.nn.clip;

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
            Tensor tokens = addedTokens == null ? tokenEmbedding.forward(inputIds)
                    : Tensor.concat(0, List.of(tokenEmbedding.weight(), addedTokens)).gather(inputIds, 0);
            // Positions 0 to L - 1 are the table's first L rows. (Gathered at a Range, ONNX Runtime turns the two into
            // a Slice whose bounds it computes on the GPU and copies to the host: Memcpy nodes, which rule out CUDA
            // graphs.)
            return tokens.add(positionEmbedding.weight().slice(0, 0, inputIds.shape().dim(1)));
        }
    }
}
