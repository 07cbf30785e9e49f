package io.sdtune.generator;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The models kept in memory, each with one {@link Txt2Img} and its sessions: the configured base model,
 * always, and the most recently used DreamBooth models (FULL_UNET adapters are whole model folders), at most
 * {@code sdtune.generator.max-dreambooth-models} of them, since each holds a full UNet's weights.
 * Used from the batcher's single thread only.
 */
@ApplicationScoped
public class ResidentModels {

    /** A loaded model and its pipeline. */
    public record Resident(StableDiffusion model, Txt2Img pipeline) implements AutoCloseable {
        @Override
        public void close() {
            pipeline.close();
            model.close();
        }
    }

    @Inject
    ArtifactCache cache;

    @ConfigProperty(name = "sdtune.generator.base-model")
    String baseModelId;

    @ConfigProperty(name = "sdtune.generator.device", defaultValue = "cpu")
    String device;

    @ConfigProperty(name = "sdtune.generator.dtype", defaultValue = "float32")
    String dtype;

    @ConfigProperty(name = "sdtune.generator.max-dreambooth-models", defaultValue = "1")
    int maxDreamBoothModels;

    @ConfigProperty(name = "sdtune.generator.max-sessions", defaultValue = "" + Txt2Img.DEFAULT_MAX_SESSIONS)
    int maxSessions;

    /** A DreamBooth model and the manifest of the adapter it was loaded from. */
    private record Loaded(Manifest manifest, Resident resident) {
    }

    private Resident base;
    private final Map<ArtifactLocation, Loaded> dreamBooth = new LinkedHashMap<>(4, 0.75f, true);

    public String baseModelId() {
        return baseModelId;
    }

    /** The base model, loaded from the store on first use. */
    public synchronized Resident base() {
        if (base == null) {
            base = load(Shelf.MODELS.at(baseModelId));
        }
        return base;
    }

    /**
     * A DreamBooth adapter's model as published with {@code manifest}: loaded on first use, and again when the
     * adapter was published anew; the least recently used one goes beyond the bound.
     */
    public synchronized Resident dreamBooth(ArtifactLocation adapter, Manifest manifest) {
        Loaded loaded = dreamBooth.get(adapter);
        if (loaded != null && !loaded.manifest().equals(manifest)) {
            dreamBooth.remove(adapter).resident().close();
            loaded = null;
        }
        if (loaded == null) {
            loaded = new Loaded(manifest, load(adapter));
            dreamBooth.put(adapter, loaded);
            var it = dreamBooth.values().iterator();
            while (dreamBooth.size() > Math.max(1, maxDreamBoothModels)) {
                it.next().resident().close();
                it.remove();
            }
        }
        return loaded.resident();
    }

    /** Closes the DreamBooth model of a deleted adapter, if it is loaded. */
    public synchronized void evict(String adapterId) {
        var it = dreamBooth.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            if (entry.getKey().id().equals(adapterId)) {
                entry.getValue().resident().close();
                it.remove();
            }
        }
    }

    private Resident load(ArtifactLocation at) {
        try {
            StableDiffusion model = StableDiffusion.load(cache.fetch(at));
            try {
                return new Resident(model, new Txt2Img(model, Device.parse(device), DType.valueOf(dtype.toUpperCase()), maxSessions));
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch model " + at + ": " + e.getMessage(), e);
        }
    }

    /** Closes the sessions of every resident model, giving their memory back; the next drawing builds what it needs. */
    public synchronized void closeSessions() {
        if (base != null) {
            base.pipeline().closeSessions();
        }
        dreamBooth.values().forEach(loaded -> loaded.resident().pipeline().closeSessions());
    }

    @PreDestroy
    synchronized void close() {
        if (base != null) {
            base.close();
        }
        dreamBooth.values().forEach(loaded -> loaded.resident().close());
        dreamBooth.clear();
    }
}
