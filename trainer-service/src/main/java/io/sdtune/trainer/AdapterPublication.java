package io.sdtune.trainer;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's adapter in the store, {@code adapters/<adapterId>/}, and its announcement, which is derived from
 * the manifest alone: a replayed request re-announces exactly what was published the first time.
 */
final class AdapterPublication {
    static final String BASE_MODEL = "base_model";
    static final String JOB_ID = "job_id";
    /** The trigger tokens, separated by spaces (a token has none). */
    static final String TRIGGER_TOKENS = "trigger_tokens";

    private final ArtifactStore artifacts;

    AdapterPublication(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    /**
     * A job's adapter id: the job id itself, so a replay finds the adapter of its first run. One job makes
     * one adapter, and both ids obey the same syntax.
     */
    static String adapterIdOf(String jobId) {
        return jobId;
    }

    /** The adapter's announcement if it is published (its manifest written), else empty. */
    Optional<AdapterAnnouncement> existing(String adapterId) throws IOException {
        return artifacts.manifest(Shelf.ADAPTERS.at(adapterId)).map(AdapterPublication::announcement);
    }

    /**
     * Uploads every file of {@code folder}, then the manifest. If another run of the same job got there
     * first (a rebalance handed the record on while this one trained), its adapter stands.
     */
    AdapterAnnouncement publish(String adapterId, Path folder, AdapterKind kind, String baseModelId, String jobId,
            List<String> triggerTokens) throws IOException {
        ArtifactLocation at = Shelf.ADAPTERS.at(adapterId);
        try {
            return announcement(artifacts.publish(at, kind.name(), ArtifactFile.allIn(folder), Map.of(
                    BASE_MODEL, baseModelId, JOB_ID, jobId, TRIGGER_TOKENS, String.join(" ", triggerTokens))));
        } catch (FileAlreadyExistsException e) {
            return existing(adapterId).orElseThrow(() -> e);
        }
    }

    private static AdapterAnnouncement announcement(Manifest m) {
        String tokens = m.metadata().getOrDefault(TRIGGER_TOKENS, "");
        return new AdapterAnnouncement(m.id(), AdapterKind.valueOf(m.kind()), m.metadata().get(BASE_MODEL),
                m.metadata().get(JOB_ID),
                m.files().stream().map(f -> new StoredObject(f.key(), f.sha256(), f.size())).toList(),
                tokens.isEmpty() ? List.of() : Arrays.asList(tokens.split(" ")));
    }
}
