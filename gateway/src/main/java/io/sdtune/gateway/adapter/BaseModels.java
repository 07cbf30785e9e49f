package io.sdtune.gateway.adapter;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sdtune.contracts.validation.Syntax;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoredFile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The shared base models' shapes, read from the store ({@code models/<id>/}): only the UNet's and the text
 * encoder's {@code config.json} are fetched (a few KB, checked against the manifest), never the weights. Kept per
 * manifest, so a model published anew under its id is read anew; a handful at most, since a deployment has few.
 */
@ApplicationScoped
public class BaseModels {
    static final String UNET_CONFIG = "unet/config.json";
    static final String TEXT_ENCODER_CONFIG = "text_encoder/config.json";

    @Inject
    ArtifactStore artifacts;

    private final Cache<Manifest, BaseModelShapes> shapes = Caffeine.newBuilder().maximumSize(8).build();

    /** The base model's shapes; empty when no base model of that id is published. */
    public Optional<BaseModelShapes> shapes(String baseModelId) throws IOException {
        if (baseModelId == null || !Syntax.ID.matches(baseModelId)) {
            return Optional.empty();
        }
        ArtifactLocation at = Shelf.MODELS.at(baseModelId);
        Optional<Manifest> manifest = artifacts.manifest(at);
        if (manifest.isEmpty()) {
            return Optional.empty();
        }
        BaseModelShapes known = shapes.getIfPresent(manifest.get());
        if (known == null) {
            known = BaseModelShapes.of(baseModelId, text(at, manifest.get(), UNET_CONFIG),
                    text(at, manifest.get(), TEXT_ENCODER_CONFIG));
            shapes.put(manifest.get(), known);
        }
        return Optional.of(known);
    }

    private String text(ArtifactLocation at, Manifest manifest, String path) throws IOException {
        for (StoredFile file : manifest.files()) {
            if (at.relativePath(manifest.publication(), file.key()).equals(path)) {
                return new String(artifacts.objects().readVerified(file), StandardCharsets.UTF_8);
            }
        }
        throw new IOException("base model " + at.id() + " has no " + path + " (a diffusers folder has one)");
    }
}
