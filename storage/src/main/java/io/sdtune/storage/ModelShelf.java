package io.sdtune.storage;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Base models, every tenant's, at {@code models/<id>/}: a diffusers folder as it is on disk, published once and
 * never replaced (a model's id names its weights for every adapter trained on it).
 */
public final class ModelShelf {
    /** The manifest's kind of a base model. */
    public static final String KIND = "BASE_MODEL";

    private final ArtifactStore artifacts;

    public ModelShelf(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    /**
     * Publishes {@code folder} as {@code modelId} unless a model of that id is published already, or another
     * writer publishes it first; whether this call published it. Only a folder with a {@code model_index.json} or a
     * {@code unet/} is taken, as the engine's loader takes them; the services read the rest when they load it.
     */
    public boolean publishIfAbsent(String modelId, Path folder) throws IOException {
        ArtifactLocation at = Shelf.MODELS.at(modelId);
        if (artifacts.manifest(at).isPresent()) {
            return false;
        }
        if (!Files.isRegularFile(folder.resolve("model_index.json")) && !Files.isDirectory(folder.resolve("unet"))) {
            throw new IllegalArgumentException(folder + " is not a diffusers model folder: it has no model_index.json"
                    + " (and unet/, vae/, text_encoder/, tokenizer/, scheduler/ beside it)");
        }
        try {
            artifacts.publish(at, KIND, ArtifactFile.allIn(folder), Map.of());
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }
}
