package io.sdtune.diffusion.nn.clip;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.LayerNorm;
import io.sdtune.diffusion.nn.Lora;
import io.sdtune.diffusion.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code CLIPTextModel}: {@link ClipTextEmbeddings}, pre-LN {@link ClipEncoderLayer}s with causal
 * self-attention, a final layer norm. Its output, {@code last_hidden_state}, conditions the UNet.
 * Parameters are named {@code text_model.*} as in the state dict.
 */
public final class ClipTextModel extends Module {
    /** Graph name suffix of the rows appended to the token table for added tokens (Textual Inversion). */
    public static final String ADDED_TOKENS = "text_model.embeddings.token_embedding.added_tokens";

    private final ClipTextConfig config;
    private final ClipTextEmbeddings embeddings;
    private final List<ClipEncoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalLayerNorm;

    public ClipTextModel(Graph graph, DType dtype, String prefix, ClipTextConfig c) {
        this(graph, dtype, prefix, c, 0);
    }

    /**
     * The model with {@code addedTokens} more rows after the vocabulary's, ids {@code vocab_size ...}: a
     * separate tensor ({@link #ADDED_TOKENS}), so that only those rows are trained or swapped.
     */
    public ClipTextModel(Graph graph, DType dtype, String prefix, ClipTextConfig c, int addedTokens) {
        this(graph, dtype, prefix, c, addedTokens, null);
    }

    /** The model with added tokens (see above) and LoRA branches on the layers {@code lora} targets (may be null). */
    public ClipTextModel(Graph graph, DType dtype, String prefix, ClipTextConfig c, int addedTokens, Lora lora) {
        super(graph, dtype, prefix, lora);
        this.config = c;
        embeddings = new ClipTextEmbeddings(this, "text_model.embeddings", c, addedTokens);
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(new ClipEncoderLayer(this, "text_model.encoder.layers." + i, c));
        }
        finalLayerNorm = new LayerNorm(this, "text_model.final_layer_norm", c.hiddenSize(), c.layerNormEps());
    }

    public ClipTextConfig config() {
        return config;
    }

    /** The token embedding table {@code [vocab, hidden]} (Textual Inversion trains rows of it). */
    public Tensor tokenEmbeddingWeight() {
        return embeddings.tokenEmbeddingWeight();
    }

    /** {@code inputIds}: int64 {@code [B, L]}, L at most max_position_embeddings; returns {@code [B, L, hidden]}. */
    public Tensor forward(Tensor inputIds) {
        try (var scope = enter()) {
            Tensor h = embeddings.forward(inputIds);
            Tensor mask = causalMask(inputIds.shape().dim(1));
            for (ClipEncoderLayer layer : layers) {
                h = layer.forward(h, mask);
            }
            return finalLayerNorm.forward(h);
        }
    }

    /** {@code [1, 1, L, L]}: 0 where a token may attend (itself and before), the dtype's lowest value after. */
    private Tensor causalMask(long length) {
        double lowest = dtype() == DType.FLOAT16 ? -65504 : -Float.MAX_VALUE;
        TensorData mask = TensorData.allocate(dtype(), Shape.of(1, 1, length, length));
        for (long i = 0; i < length; i++) {
            for (long j = i + 1; j < length; j++) {
                mask.set(i * length + j, lowest);
            }
        }
        return graph().constant(mask);
    }
}
