package io.sdtune.diffusion.nn.clip;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.Attention;
import io.sdtune.diffusion.nn.Embedding;
import io.sdtune.diffusion.nn.LayerNorm;
import io.sdtune.diffusion.nn.Linear;
import io.sdtune.diffusion.nn.Lora;
import io.sdtune.diffusion.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code CLIPTextModel}: token and position embeddings, pre-LN encoder layers with causal
 * self-attention, a final layer norm. Its output, {@code last_hidden_state}, conditions the UNet.
 * Parameters are named {@code text_model.*} as in the state dict.
 */
public final class ClipTextModel extends Module {
    /** Graph name suffix of the rows appended to the token table for added tokens (Textual Inversion). */
    public static final String ADDED_TOKENS = "text_model.embeddings.token_embedding.added_tokens";

    private final ClipTextConfig config;
    private final Embedding tokenEmbedding;
    private final Tensor addedTokens;
    private final Embedding positionEmbedding;
    private final List<EncoderLayer> layers = new ArrayList<>();
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
        this.addedTokens = addedTokens > 0 ? parameter(ADDED_TOKENS, addedTokens, c.hiddenSize()) : null;
        String t = "text_model.";
        tokenEmbedding = new Embedding(this, t + "embeddings.token_embedding", c.vocabSize(), c.hiddenSize());
        positionEmbedding = new Embedding(this, t + "embeddings.position_embedding", c.maxPositionEmbeddings(), c.hiddenSize());
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(new EncoderLayer(this, t + "encoder.layers." + i, c));
        }
        finalLayerNorm = new LayerNorm(this, t + "final_layer_norm", c.hiddenSize(), c.layerNormEps());
    }

    public ClipTextConfig config() {
        return config;
    }

    /** The token embedding table {@code [vocab, hidden]} (Textual Inversion trains rows of it). */
    public Tensor tokenEmbeddingWeight() {
        return tokenEmbedding.weight();
    }

    /** {@code inputIds}: int64 {@code [B, L]}, L at most max_position_embeddings; returns {@code [B, L, hidden]}. */
    public Tensor forward(Tensor inputIds) {
        try (var scope = enter()) {
            long length = inputIds.shape().dim(1);
            Tensor positions = graph().arange(0, length, 1, DType.INT64);
            Tensor tokens = addedTokens == null ? tokenEmbedding.forward(inputIds)
                    : Tensor.concat(0, List.of(tokenEmbeddingWeight(), addedTokens)).gather(inputIds, 0);
            Tensor h = tokens.add(positionEmbedding.forward(positions));
            Tensor mask = causalMask(length);
            for (EncoderLayer layer : layers) {
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

    /** {@code CLIPEncoderLayer}: {@code h + attn(ln1(h))}, then {@code h + mlp(ln2(h))}. */
    private static final class EncoderLayer extends Module {
        private final LayerNorm layerNorm1;
        private final SelfAttention selfAttn;
        private final LayerNorm layerNorm2;
        private final Linear fc1;
        private final Linear fc2;
        private final boolean quickGelu;

        EncoderLayer(Module parent, String name, ClipTextConfig c) {
            super(parent, name);
            layerNorm1 = new LayerNorm(this, "layer_norm1", c.hiddenSize(), c.layerNormEps());
            selfAttn = new SelfAttention(this, "self_attn", c.hiddenSize(), c.numAttentionHeads());
            layerNorm2 = new LayerNorm(this, "layer_norm2", c.hiddenSize(), c.layerNormEps());
            fc1 = new Linear(this, "mlp.fc1", c.hiddenSize(), c.intermediateSize(), true);
            fc2 = new Linear(this, "mlp.fc2", c.intermediateSize(), c.hiddenSize(), true);
            quickGelu = c.hiddenAct().equals("quick_gelu");
        }

        Tensor forward(Tensor h, Tensor mask) {
            try (var scope = enter()) {
                h = h.add(selfAttn.forward(layerNorm1.forward(h), mask));
                Tensor m = fc1.forward(layerNorm2.forward(h));
                return h.add(fc2.forward(quickGelu ? m.quickGelu() : m.gelu()));
            }
        }
    }

    /** {@code CLIPAttention}: q, k, v and out projections with biases, causal mask. */
    private static final class SelfAttention extends Module {
        private final int heads;
        private final Linear qProj;
        private final Linear kProj;
        private final Linear vProj;
        private final Linear outProj;

        SelfAttention(Module parent, String name, long dim, int heads) {
            super(parent, name);
            this.heads = heads;
            qProj = new Linear(this, "q_proj", dim, dim, true);
            kProj = new Linear(this, "k_proj", dim, dim, true);
            vProj = new Linear(this, "v_proj", dim, dim, true);
            outProj = new Linear(this, "out_proj", dim, dim, true);
        }

        Tensor forward(Tensor h, Tensor mask) {
            try (var scope = enter()) {
                return outProj.forward(Attention.multiHead(qProj.forward(h), kProj.forward(h), vProj.forward(h), heads, mask, false));
            }
        }
    }
}
