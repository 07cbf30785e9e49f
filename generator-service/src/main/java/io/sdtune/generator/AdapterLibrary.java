package io.sdtune.generator;

import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.LoraStack;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.TextualInversionFile;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
    /** The manifest metadata key naming the base model an adapter was trained on. */
    static final String BASE_MODEL = "base_model";

    /** What a request draws with: the model (base or DreamBooth) and the adapters on top of it. */
    public record Resolved(ResidentModels.Resident model, Adapters adapters) {
    }

    /** Loads (parses) and evictions of in-memory adapters since start. */
    public record Stats(long loads, long evictions, long bytes) {
    }

    private record Parsed(Manifest manifest, Object file) {
    }

    @Inject
    ArtifactStore artifacts;

    @Inject
    ArtifactCache cache;

    @Inject
    ResidentModels models;

    @ConfigProperty(name = "sdtune.generator.adapter-memory-bytes", defaultValue = "1073741824")
    long maxBytes;

    private final Map<String, Parsed> hot = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long loads;
    private long evictions;

    /**
     * @throws Rejected for an unknown adapter, one of another base model, a scale other than 1 for an
     *         embedding or a DreamBooth model, or a DreamBooth model combined with other adapters
     */
    public synchronized Resolved resolve(String baseModelId, List<AppliedAdapter> applied) {
        if (!baseModelId.equals(models.baseModelId())) {
            throw new Rejected("base model " + baseModelId + " is not served here (this generator serves "
                    + models.baseModelId() + ")");
        }
        List<LoraStack.Applied> loras = new ArrayList<>();
        List<TextualInversionFile> embeddings = new ArrayList<>();
        for (AppliedAdapter a : applied) {
            Manifest manifest = manifest(a.adapterId());
            AdapterKind kind = kind(a.adapterId(), manifest);
            String base = manifest.metadata().get(BASE_MODEL);
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
                    return new Resolved(models.dreamBooth(a.adapterId(), manifest), Adapters.none());
                }
                case LORA -> loras.add(new LoraStack.Applied((LoraFile) parsed(a.adapterId(), manifest, kind), a.scale()));
                case EMBEDDING -> embeddings.add((TextualInversionFile) parsed(a.adapterId(), manifest, kind));
            }
        }
        return new Resolved(models.base(), new Adapters(new LoraStack(loras), embeddings));
    }

    public synchronized Stats stats() {
        return new Stats(loads, evictions, bytes);
    }

    private Manifest manifest(String adapterId) {
        try {
            return artifacts.manifest(Shelf.ADAPTERS.at(adapterId))
                    .orElseThrow(() -> new Rejected("unknown adapter " + adapterId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AdapterKind kind(String adapterId, Manifest manifest) {
        try {
            return AdapterKind.valueOf(manifest.kind());
        } catch (IllegalArgumentException e) {
            throw new Rejected("adapter " + adapterId + " has kind " + manifest.kind() + ", expected LORA, EMBEDDING or FULL_UNET");
        }
    }

    private Object parsed(String adapterId, Manifest manifest, AdapterKind kind) {
        Parsed p = hot.get(adapterId);
        if (p != null && p.manifest().equals(manifest)) {
            return p.file();
        }
        if (p != null) {
            bytes -= p.manifest().totalSize();
        }
        Object parsed = read(adapterId, safetensors(Shelf.ADAPTERS.at(adapterId)), kind);
        loads++;
        hot.put(adapterId, new Parsed(manifest, parsed));
        bytes += manifest.totalSize();
        Iterator<Parsed> lru = hot.values().iterator();
        while (bytes > maxBytes && hot.size() > 1) {
            bytes -= lru.next().manifest().totalSize();
            lru.remove();
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
            return kind == AdapterKind.LORA ? LoraFile.read(file, base.linearLayers())
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
