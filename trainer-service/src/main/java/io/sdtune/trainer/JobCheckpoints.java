package io.sdtune.trainer;

import io.sdtune.contracts.StoredObject;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StorageException;
import io.sdtune.storage.StoredFile;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A job's checkpoints in the store, {@code checkpoints/<jobId>.checkpoint-<step>/}: the engine writes one into
 * the job's output folder every {@code checkpointing_steps}; it is uploaded, the older one removed, and the
 * local copy deleted (a DreamBooth state is gigabytes, and the output folder becomes the adapter). A job
 * that is delivered again - its trainer stopped or crashed - downloads the latest and resumes from it.
 */
final class JobCheckpoints {
    private static final Logger LOG = Logger.getLogger(JobCheckpoints.class);
    static final String KIND = "CHECKPOINT";

    private final ArtifactStore artifacts;

    JobCheckpoints(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    /** Uploads the checkpoint folder the engine wrote for {@code step}, then drops the job's older ones. */
    List<StoredObject> publish(String tenant, String jobId, int step, Path folder) throws IOException {
        Manifest manifest;
        try {
            manifest = artifacts.publish(location(tenant, jobId, step), KIND, ArtifactFile.allIn(folder), Map.of());
        } catch (FileAlreadyExistsException anotherRunWasHere) {
            manifest = artifacts.manifest(location(tenant, jobId, step)).orElseThrow(() -> anotherRunWasHere);
        }
        for (int older : steps(tenant, jobId)) {
            if (older < step) {
                artifacts.delete(location(tenant, jobId, older));
            }
        }
        JobWorkspace.delete(folder);
        return manifest.files().stream().map(StoredFile::asStoredObject).toList();
    }

    /**
     * Downloads the job's latest usable checkpoint into {@code folder}; returns its step, or empty when the job
     * has none. A checkpoint that does not verify (a file missing or not the one its manifest names, a broken
     * manifest) is removed and skipped for the one before, with a warning; an outage is thrown.
     */
    Optional<Integer> restoreLatest(String tenant, String jobId, Path folder) throws IOException {
        for (int step : steps(tenant, jobId).stream().sorted(Comparator.reverseOrder()).toList()) {
            ArtifactLocation at = location(tenant, jobId, step);
            try {
                Optional<Manifest> manifest = artifacts.manifest(at);
                if (manifest.isEmpty()) {
                    continue;
                }
                for (StoredFile file : manifest.get().files()) {
                    artifacts.objects().download(file,
                            folder.resolve(at.relativePath(manifest.get().publication(), file.key())));
                }
                return Optional.of(step);
            } catch (IOException e) {
                if (e instanceof StorageException s && s.passing()) {
                    throw e;
                }
                LOG.warnf("job %s: the checkpoint of step %d cannot be used, removed, trying an earlier one: %s", jobId,
                        step, e.getMessage());
                JobWorkspace.delete(folder);
                artifacts.delete(at); // so that this run's checkpoint of that step can take its place
            }
        }
        return Optional.empty();
    }

    /** Removes every checkpoint of the job: it has ended, nothing will resume it. */
    void deleteAll(String tenant, String jobId) throws IOException {
        for (int step : steps(tenant, jobId)) {
            artifacts.delete(location(tenant, jobId, step));
        }
    }

    private List<Integer> steps(String tenant, String jobId) throws IOException {
        String prefix = jobId + ".checkpoint-";
        return artifacts.ids(tenant, Shelf.CHECKPOINTS, prefix).stream()
                .filter(id -> id.substring(prefix.length()).matches("\\d+"))
                .map(id -> Integer.parseInt(id.substring(prefix.length())))
                .toList();
    }

    private static ArtifactLocation location(String tenant, String jobId, int step) {
        return Shelf.CHECKPOINTS.at(tenant, jobId + ".checkpoint-" + step);
    }
}
