package io.sdtune.gateway.adapter;

import io.sdtune.contracts.validation.Syntax;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.weights.LdmCheckpointWriter;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoredFile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * A tenant's adapter's files: listed from its manifest, and downloaded as stored or converted.
 *
 * <ul>
 * <li>As stored: streamed from the store, checked against the manifest's size and SHA-256 as it streams, the last
 * chunk held back until the check passed ({@link VerifiedTransfer}).
 * <li>A LoRA with kohya's keys: the stored file is downloaded (verified) to a temporary folder, converted against the
 * base model's layers ({@link BaseModels}: its two config files, not its weights), and sent with its length.
 * <li>A DreamBooth model as one checkpoint or as a zip: the model's folder comes through the {@link ArtifactCache}
 * ({@code sdtune.cache.dir}, bounded by {@code sdtune.cache.max-bytes}), which verifies every file before the entry
 * exists, so nothing is sent from a file that does not match. The trainer publishes the whole diffusers pipeline
 * (its UNet, and the VAE and text encoder it trained with, the text encoder trained too with
 * {@code train_text_encoder}), so the checkpoint is written from that folder alone, as the generator draws with it.
 * </ul>
 * An adapter that is not the caller's is unknown, as one that never was: the same 404.
 */
@ApplicationScoped
public class AdapterFiles {
    private static final String ZIP = "application/zip";

    @Inject
    AdapterShelf shelf;
    @Inject
    ObjectStore objects;
    @Inject
    ArtifactCache cache;
    @Inject
    BaseModels baseModels;

    public List<AdapterFile> list(String tenant, String adapterId) throws IOException {
        return published(tenant, adapterId).files();
    }

    /**
     * The file {@code name} of the adapter in {@code format} (null: as stored); {@code half} stores a single-file
     * checkpoint's floating-point tensors as float16.
     */
    public Download download(String tenant, String adapterId, String name, String format, boolean half)
            throws IOException {
        PublishedAdapter adapter = published(tenant, adapterId);
        StoredFile file = adapter.file(name).orElseThrow(() -> ProblemException.notFound(
                "adapter " + adapterId + " has no file " + name + " (GET /api/adapters/" + adapterId + "/files lists them)"));
        List<DownloadFormat> offered = DownloadFormat.offered(adapter.kind(), name);
        DownloadFormat chosen = format == null ? offered.get(0) : DownloadFormat.of(format).filter(offered::contains)
                .orElseThrow(() -> ProblemException.invalid("download", List.of("format: " + name + " of a "
                        + adapter.kind() + " adapter is offered as " + offered.stream().map(DownloadFormat::wireName).toList()
                        + ", got '" + format + "'")));
        if (half && chosen != DownloadFormat.SINGLE_FILE) {
            throw ProblemException.invalid("download", List.of("half: only a single_file checkpoint is written in float16"));
        }
        return switch (chosen) {
            case DIFFUSERS -> stored(file, name);
            case KOHYA -> kohya(adapter, file);
            case SINGLE_FILE -> singleFile(adapter, half);
            case ZIP -> zip(adapter);
        };
    }

    private PublishedAdapter published(String tenant, String adapterId) throws IOException {
        if (Syntax.ID.matches(adapterId)) {
            var manifest = shelf.manifest(tenant, adapterId);
            if (manifest.isPresent()) {
                return new PublishedAdapter(AdapterShelf.at(tenant, adapterId), manifest.get());
            }
        }
        throw unknown(adapterId);
    }

    static ProblemException unknown(String adapterId) {
        return ProblemException.notFound("no adapter " + adapterId);
    }

    /** Opened before the answer starts, so that an object missing from the store is an error status, not a cut body. */
    private Download stored(StoredFile file, String name) throws IOException {
        InputStream in = objects.openVerified(file);
        String fileName = name.substring(name.lastIndexOf('/') + 1);
        String type = fileName.endsWith(".json") ? MediaType.APPLICATION_JSON
                : fileName.endsWith(".txt") ? MediaType.TEXT_PLAIN : Download.SAFETENSORS;
        return new Download(fileName, type, OptionalLong.of(file.size()), out -> {
            try (in) {
                VerifiedTransfer.transfer(in, out);
            }
        });
    }

    private Download kohya(PublishedAdapter adapter, StoredFile file) throws IOException {
        BaseModelShapes base = baseModels.shapes(adapter.baseModelId()).orElseThrow(() -> new ProblemException(
                Status.CONFLICT, "adapter " + adapter.at().id() + " is for base model " + adapter.baseModelId()
                        + ", which is not in the store: kohya's keys are named from its layers", List.of()));
        TempFolder work = TempFolder.create("sdtune-kohya-");
        try {
            Path stored = work.resolve("diffusers.safetensors");
            objects.download(file, stored);
            Path kohya = work.resolve("kohya.safetensors");
            LoraFormats.convert(stored, adapter.name(file), base.loraLayers(), kohya, LoraFile.Layout.KOHYA);
            return new Download(adapter.at().id() + ".safetensors", Download.SAFETENSORS, OptionalLong.of(Files.size(kohya)),
                    out -> {
                        try (work) {
                            Files.copy(kohya, out);
                        }
                    });
        } catch (RefusedFile e) {
            work.close();
            throw new IllegalStateException("the stored LoRA of adapter " + adapter.at().id() + " does not fit its base model "
                    + base.id() + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            work.close();
            throw e;
        }
    }

    private Download singleFile(PublishedAdapter adapter, boolean half) throws IOException {
        StableDiffusion model = model(adapter);
        try {
            LdmCheckpointWriter checkpoint = model.ldmCheckpoint(half);
            return new Download(adapter.at().id() + ".safetensors", Download.SAFETENSORS, OptionalLong.of(checkpoint.size()),
                    out -> {
                        try (model) {
                            checkpoint.write(out);
                        }
                    });
        } catch (IllegalArgumentException e) {
            model.close();
            throw ProblemException.invalid("download", List.of("format: " + e.getMessage()));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Loaded now: its weights are memory-mapped, and a mapping outlives an eviction from the cache. */
    private StableDiffusion model(PublishedAdapter adapter) throws IOException {
        Path folder = cache.fetch(adapter.at());
        return StableDiffusion.load(folder);
    }

    private Download zip(PublishedAdapter adapter) throws IOException {
        Path folder = cache.fetch(adapter.at());
        DiffusersZip zip = DiffusersZip.open(folder, adapter.at().id(),
                adapter.manifest().files().stream().map(adapter::name).toList());
        return new Download(adapter.at().id() + ".zip", ZIP, OptionalLong.empty(), zip::writeTo);
    }
}
