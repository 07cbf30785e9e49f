package io.sdtune.trainer;

import io.sdtune.contracts.StoredObject;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoredFile;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's checkpoints in the store, {@code checkpoints/<jobId>.checkpoint-<step>/}: the engine writes one into
 * the job's output folder every {@code checkpointing_steps}; it is uploaded, the older one removed, and the
 * local copy deleted (a DreamBooth state is gigabytes, and the output folder becomes the adapter). A job
 * that is delivered again - its trainer stopped or crashed - downloads the latest and resumes from it.
 */
final class JobCheckpoints {
    static final String KIND = "CHECKPOINT";

    private final ArtifactStore artifacts;

    JobCheckpoints(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    /** Uploads the checkpoint folder the engine wrote for {@code step}, then drops the job's older ones. */
    List<StoredObject> publish(String jobId, int step, Path folder) throws IOException {
        Manifest manifest;
        try {
            manifest = artifacts.publish(location(jobId, step), KIND, ArtifactFile.allIn(folder), Map.of());
        } catch (FileAlreadyExistsException anotherRunWasHere) {
            manifest = artifacts.manifest(location(jobId, step)).orElseThrow(() -> anotherRunWasHere);
        }
        for (int older : steps(jobId)) {
            if (older < step) {
                artifacts.delete(location(jobId, older));
            }
        }
        JobWorkspace.delete(folder);
        return manifest.files().stream().map(f -> new StoredObject(f.key(), f.sha256(), f.size())).toList();
    }

    /** Downloads the job's latest checkpoint into {@code folder}; returns its step, or empty when the job has none. */
    Optional<Integer> restoreLatest(String jobId, Path folder) throws IOException {
        Optional<Integer> latest = steps(jobId).stream().max(Comparator.naturalOrder());
        if (latest.isEmpty()) {
            return latest;
        }
        ArtifactLocation at = location(jobId, latest.get());
        Optional<Manifest> manifest = artifacts.manifest(at);
        if (manifest.isEmpty()) {
            return Optional.empty();
        }
        for (StoredFile file : manifest.get().files()) {
            artifacts.objects().download(file, folder.resolve(at.relativePath(manifest.get().publication(), file.key())));
        }
        return latest;
    }

    /** Removes every checkpoint of the job: it has ended, nothing will resume it. */
    void deleteAll(String jobId) throws IOException {
        for (int step : steps(jobId)) {
            artifacts.delete(location(jobId, step));
        }
    }

    private List<Integer> steps(String jobId) throws IOException {
        String prefix = jobId + ".checkpoint-";
        return artifacts.ids(Shelf.CHECKPOINTS, prefix).stream()
                .filter(id -> id.substring(prefix.length()).matches("\\d+"))
                .map(id -> Integer.parseInt(id.substring(prefix.length())))
                .toList();
    }

    private static ArtifactLocation location(String jobId, int step) {
        return Shelf.CHECKPOINTS.at(jobId + ".checkpoint-" + step);
    }
}
