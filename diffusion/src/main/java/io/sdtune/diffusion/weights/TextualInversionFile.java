package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Textual Inversion embedding: diffusers' {@code learned_embeds.safetensors} ({@code {token: [n, hidden]}})
 * or AUTOMATIC1111's safetensors embedding ({@code {"emb_params": [n, hidden]}}, the token being the file
 * name, as A1111 uses it). A multi-vector embedding stands for the tokens {@code <t>}, {@code <t>_1}, ...
 * as diffusers' {@code load_textual_inversion} registers them.
 *
 * @param webUiHash the web UI's short hash of the file it was read from ({@link WebUiHashes#embedding}), for an
 *        image's {@code TI hashes}; null for one made in memory
 */
public record TextualInversionFile(String token, TensorData vectors, String webUiHash) {
    /** The text encoder's token embedding, whose rows the vectors join. */
    public static final String TOKEN_EMBEDDING = "text_model.embeddings.token_embedding.weight";

    /** An embedding not read from a file: it has no hash for an image's parameters. */
    public TextualInversionFile(String token, TensorData vectors) {
        this(token, vectors, null);
    }

    public static TextualInversionFile read(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            if (st.keys().size() != 1) {
                throw new IllegalArgumentException(file + ": a Textual Inversion file holds one embedding, found keys "
                        + st.keys());
            }
            String key = st.keys().iterator().next();
            String token = key.equals("emb_params") ? file.getFileName().toString().replaceFirst("\\.safetensors$", "") : key;
            TensorData v = st.get(key).to(DType.FLOAT32);
            if (v.shape().rank() == 1) {
                v = new TensorData(v.dtype(), Shape.of(1, v.shape().dim(0)), v.data());
            }
            if (v.shape().rank() != 2) {
                throw new IllegalArgumentException(file + ": embedding '" + key + "' must be [vectors, hidden], found "
                        + v.shape());
            }
            return new TextualInversionFile(token, v, WebUiHashes.embedding(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * This embedding, checked to fit {@code textEncoder}: each vector as wide as a row of its token embedding. A
     * vector of another width would be copied into the added rows short or past them.
     *
     * @throws IllegalArgumentException naming the token, the token embedding and both shapes
     */
    public TextualInversionFile requireFits(ClipTextConfig textEncoder) {
        long hidden = textEncoder.hiddenSize();
        if (vectors.shape().dim(1) != hidden) {
            throw new IllegalArgumentException("Textual Inversion embedding '" + token + "' is " + vectors.shape()
                    + ", but the text encoder's " + TOKEN_EMBEDDING + " is " + Shape.of(textEncoder.vocabSize(), hidden)
                    + ": each vector must have " + hidden + " values");
        }
        return this;
    }

    /** The tokens the vectors stand for: {@code <t>}, {@code <t>_1}, ... */
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of(token));
        for (int i = 1; i < vectors.shape().dim(0); i++) {
            tokens.add(token + "_" + i);
        }
        return tokens;
    }
}
