package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.weights.TextualInversionFile;
import java.util.List;

/** What a generation applies on top of the base model: LoRAs and Textual Inversion embeddings. */
public record Adapters(LoraStack loras, List<TextualInversionFile> embeddings) {

    public Adapters {
        embeddings = List.copyOf(embeddings);
    }

    public static Adapters none() {
        return new Adapters(LoraStack.none(), List.of());
    }
}
