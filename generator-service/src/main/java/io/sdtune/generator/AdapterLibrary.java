package io.sdtune.generator;

import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.LoraStack;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.TextualInversionFile;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.LeastRecentlyUsed;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Turns a request's adapters into what the engine applies: files come through the byte-bounded
 * {@link ArtifactCache} on disk, and the parsed LoRA and embedding files of the hot adapters stay in memory,
 * least recently used first out once their artifacts' bytes pass {@code sdtune.generator.adapter-memory-bytes}.
 * The manifest is read from the store at each use, so an adapter deleted or published anew is seen at once.
 * Used from the batcher's single thread only.
 */
@ApplicationScoped
public class AdapterLibrary {
    /** What a request draws with: the model (base or DreamBooth) and the adapters on top of it. */
    public record Resolved(ResidentModels.Resident model, Adapters adapters) {
    }

    /** Loads (parses) and evictions of in-memory adapters since start. */
    public record Stats(long loads, long evictions, long bytes) {
    }

    private record Parsed(Manifest manifest, Object file) {
    }

    @Inject
    AdapterShelf shelf;

    @Inject
    ArtifactCache cache;

    @Inject
    ResidentModels models;

    @ConfigProperty(name = "sdtune.generator.adapter-memory-bytes", defaultValue = "1073741824")
    long maxBytes;

    private final Map<ArtifactLocation, Parsed> hot = new HashMap<>();
    private LeastRecentlyUsed<ArtifactLocation> recency;
    private long loads;
    private long evictions;

    @PostConstruct
    void start() {
        recency = new LeastRecentlyUsed<>(maxBytes);
    }

    /**
     * The adapters of {@code tenant} that a request applies. Another tenant's adapter is unknown here, as one that
     * never existed is: its id says nothing about it.
     *
     * @throws Rejected for an unknown adapter, one of another base model, a scale other than 1 for an
     *         embedding or a DreamBooth model, or a DreamBooth model combined with other adapters
     */
    public synchronized Resolved resolve(String tenant, String baseModelId, List<AppliedAdapter> applied) {
        if (!baseModelId.equals(models.baseModelId())) {
            throw new Rejected("base model " + baseModelId + " is not served here (this generator serves "
                    + models.baseModelId() + ")");
        }
        List<LoraStack.Applied> loras = new ArrayList<>();
        List<TextualInversionFile> embeddings = new ArrayList<>();
        for (AppliedAdapter a : applied) {
            ArtifactLocation at = AdapterShelf.at(tenant, a.adapterId());
            Manifest manifest = manifest(tenant, a.adapterId());
            AdapterKind kind = kind(manifest);
            String base = AdapterShelf.baseModel(manifest);
            if (!baseModelId.equals(base)) {
                throw new Rejected("adapter " + a.adapterId() + " was trained on base model " + base + ", not "
                        + baseModelId);
            }
            if (kind != AdapterKind.LORA && a.scale() != 1.0) {
                throw new Rejected("adapter " + a.adapterId() + " is " + kind + ", which applies at scale 1 only, got "
                        + a.scale());
            }
            switch (kind) {
                case FULL_UNET -> {
                    if (applied.size() > 1) {
                        throw new Rejected("DreamBooth adapter " + a.adapterId() + " is a whole model and is used alone");
                    }
                    return new Resolved(models.dreamBooth(at, manifest), Adapters.none());
                }
                case LORA -> loras.add(new LoraStack.Applied((LoraFile) parsed(at, manifest, kind), a.scale(),
                        a.adapterId()));
                case EMBEDDING -> embeddings.add((TextualInversionFile) parsed(at, manifest, kind));
            }
        }
        return new Resolved(models.base(), new Adapters(new LoraStack(loras), embeddings));
    }

    /**
     * Forgets a deleted adapter at once: its parsed file, its DreamBooth model and its files in the cache. It is
     * refused from then on anyway, since its manifest is gone from the store; this gives its memory back.
     */
    public synchronized void evict(String adapterId) {
        for (ArtifactLocation at : List.copyOf(hot.keySet())) {
            if (at.id().equals(adapterId)) {
                hot.remove(at);
                recency.remove(at);
                evictions++;
            }
        }
        models.evict(adapterId);
        try {
            cache.evict(at -> at.shelf() == Shelf.ADAPTERS && at.id().equals(adapterId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized Stats stats() {
        return new Stats(loads, evictions, recency.bytes());
    }

    private Manifest manifest(String tenant, String adapterId) {
        try {
            return shelf.manifest(tenant, adapterId).orElseThrow(() -> new Rejected("unknown adapter " + adapterId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AdapterKind kind(Manifest manifest) {
        try {
            return AdapterShelf.kind(manifest);
        } catch (IllegalArgumentException e) {
            throw new Rejected(e.getMessage());
        }
    }

    private Object parsed(ArtifactLocation at, Manifest manifest, AdapterKind kind) {
        Parsed p = hot.get(at);
        if (p != null && p.manifest().equals(manifest)) {
            recency.touch(at);
            return p.file();
        }
        Object parsed = read(at.id(), safetensors(at), kind);
        loads++;
        hot.put(at, new Parsed(manifest, parsed));
        for (ArtifactLocation evicted : recency.add(at, manifest.totalSize())) {
            hot.remove(evicted);
            evictions++;
        }
        return parsed;
    }

    /**
     * The file parsed and checked against the base model: a LoRA's matrices against the layers they name, an
     * embedding's width against the token embedding.
     *
     * @throws Rejected naming the adapter and what does not fit (the key and both shapes), or why the file is unreadable
     */
    private Object read(String adapterId, Path file, AdapterKind kind) {
        var base = models.base().model();
        try {
            return kind == AdapterKind.LORA ? LoraFile.read(file, base.loraLayers())
                    : TextualInversionFile.read(file).requireFits(base.textEncoderConfig());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new Rejected("adapter " + adapterId + " does not fit base model " + models.baseModelId() + ": "
                    + e.getMessage().replace(file.toString(), file.getFileName().toString()));
        }
    }

    /** The artifact's one weights file (diffusers' pytorch_lora_weights / learned_embeds .safetensors). */
    private Path safetensors(ArtifactLocation at) {
        try (Stream<Path> files = Files.list(cache.fetch(at))) {
            List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).toList();
            if (found.size() != 1) {
                throw new Rejected("adapter " + at.id() + " should hold one .safetensors file at its top, found " + found.size());
            }
            return found.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
