package io.sdtune.storage;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tenant's adapters, {@code tenants/<tenant>/adapters/<adapterId>/}: what an adapter's manifest records beside
 * its files (the manifest's kind is the {@link AdapterKind}; its metadata the base model, the job that made it and
 * the trigger tokens), and the announcement derived from the manifest alone, so that a replayed training request
 * or a second look re-announces exactly what was published the first time.
 */
public final class AdapterShelf {
    /** The base model the adapter applies to. */
    public static final String BASE_MODEL = "base_model";
    /** The training job that made the adapter; absent for an imported one. */
    public static final String JOB_ID = "job_id";
    /** What its owner called it; absent when it has no name. */
    public static final String NAME = "name";
    /** The trigger tokens, separated by spaces (a token has none). */
    public static final String TRIGGER_TOKENS = "trigger_tokens";

    private final ArtifactStore artifacts;

    public AdapterShelf(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    public static ArtifactLocation at(String tenant, String adapterId) {
        return Shelf.ADAPTERS.at(tenant, adapterId);
    }

    /** The adapter's manifest if it is published, else empty. */
    public Optional<Manifest> manifest(String tenant, String adapterId) throws IOException {
        return artifacts.manifest(at(tenant, adapterId));
    }

    /** The adapter's announcement if it is published, else empty. */
    public Optional<AdapterAnnouncement> existing(String tenant, String adapterId) throws IOException {
        return manifest(tenant, adapterId).map(m -> announcement(tenant, m));
    }

    /**
     * Uploads the files, then the manifest. If another writer of the same adapter got there first (a rebalance
     * handed a training request on while this one trained), its adapter stands and is returned.
     */
    public AdapterAnnouncement publish(String tenant, String adapterId, String name, AdapterKind kind,
            String baseModelId, String jobId, List<String> triggerTokens, List<ArtifactFile> files) throws IOException {
        Map<String, String> metadata = new HashMap<>();
        if (name != null) {
            metadata.put(NAME, name);
        }
        metadata.put(BASE_MODEL, baseModelId);
        metadata.put(TRIGGER_TOKENS, String.join(" ", triggerTokens));
        if (jobId != null) {
            metadata.put(JOB_ID, jobId);
        }
        try {
            return announcement(tenant, artifacts.publish(at(tenant, adapterId), kind.name(), files, metadata));
        } catch (FileAlreadyExistsException e) {
            return existing(tenant, adapterId).orElseThrow(() -> e);
        }
    }

    /** Unpublishes the adapter and deletes its files (ArtifactStore.delete); an absent one is no error. */
    public void delete(String tenant, String adapterId) throws IOException {
        artifacts.delete(at(tenant, adapterId));
    }

    /** The base model a published adapter applies to. */
    public static String baseModel(Manifest manifest) {
        return manifest.metadata().get(BASE_MODEL);
    }

    /** The kind the manifest records; an {@link IllegalArgumentException} names a kind that is none. */
    public static AdapterKind kind(Manifest manifest) {
        try {
            return AdapterKind.valueOf(manifest.kind());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("adapter " + manifest.id() + " has kind " + manifest.kind()
                    + ", expected one of " + Arrays.toString(AdapterKind.values()), e);
        }
    }

    /** The announcement of a published adapter of {@code tenant}. */
    public static AdapterAnnouncement announcement(String tenant, Manifest m) {
        String tokens = m.metadata().getOrDefault(TRIGGER_TOKENS, "");
        return new AdapterAnnouncement(m.id(), tenant, m.metadata().get(NAME), kind(m), baseModel(m), m.metadata().get(JOB_ID),
                m.files().stream().map(StoredFile::asStoredObject).toList(),
                tokens.isEmpty() ? List.of() : Arrays.asList(tokens.split(" ")));
    }
}
