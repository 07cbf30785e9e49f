package io.sdtune.diffusion.nn.clip;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.diffusion.nn.ConfigFile;

/** The {@code config.json} of a transformers {@code CLIPTextModel}. */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps) {

    public ClipTextConfig {
        if (!hiddenAct.equals("quick_gelu") && !hiddenAct.equals("gelu")) {
            throw new IllegalArgumentException("hidden_act must be quick_gelu or gelu, found " + hiddenAct);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numAttentionHeads);
        }
    }

    /** SD 1.5's text encoder, OpenAI CLIP ViT-L/14. */
    public static ClipTextConfig sd15() {
        return new ClipTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5);
    }

    /**
     * SD 2.x's OpenCLIP ViT-H text encoder as diffusers stores it: 23 of its 24 layers (the pipelines read the
     * penultimate layer's states, so the last is not kept), gelu.
     */
    public static ClipTextConfig sd2() {
        return new ClipTextConfig(49408, 1024, 4096, 23, 16, 77, "gelu", 1e-5);
    }

    /** The tiny text encoder with SD 2.x's activation. */
    public static ClipTextConfig tinySd2() {
        return new ClipTextConfig(49408, 32, 64, 2, 4, 77, "gelu", 1e-5);
    }

    /** The real vocabulary at a few channels: the tiny model still reads real prompts. */
    public static ClipTextConfig tiny() {
        return new ClipTextConfig(49408, 32, 64, 2, 4, 77, "quick_gelu", 1e-5);
    }

    /** The world of shapes' text encoder ({@code sd pretrain}): CLIP's vocabulary, 32 wide, two layers. */
    public static ClipTextConfig world() {
        return new ClipTextConfig(49408, 32, 128, 2, 4, 77, "quick_gelu", 1e-5);
    }

    public static ClipTextConfig read(ConfigFile f) {
        ClipTextConfig d = sd15();
        return new ClipTextConfig(
                f.integer("vocab_size", d.vocabSize()),
                f.integer("hidden_size", d.hiddenSize()),
                f.integer("intermediate_size", d.intermediateSize()),
                f.integer("num_hidden_layers", d.numHiddenLayers()),
                f.integer("num_attention_heads", d.numAttentionHeads()),
                f.integer("max_position_embeddings", d.maxPositionEmbeddings()),
                f.string("hidden_act", d.hiddenAct()),
                f.number("layer_norm_eps", d.layerNormEps()));
    }

    public String toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("architectures").add("CLIPTextModel");
        n.put("model_type", "clip_text_model");
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("hidden_act", hiddenAct);
        n.put("layer_norm_eps", layerNormEps);
        n.put("bos_token_id", 49406);
        n.put("eos_token_id", 49407);
        n.put("pad_token_id", 1);
        n.put("torch_dtype", "float32");
        return n.toPrettyString();
    }
}
