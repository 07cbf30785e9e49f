package io.sdtune.trainer;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoredFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the engine writes into a running job's output folder besides the adapter: each checkpoint is stored
 * and announced ({@link JobCheckpoints}), except the last step's (the adapter follows at once); each round of
 * validation images is stored as {@code images/<jobId>.validation-<step>/<n>.png} - served by the gateway like
 * generated images - and announced. Both are then deleted from the folder, which is published as the adapter.
 * Called on the job's thread: a failure to store fails the job.
 */
final class JobOutputs implements ProgressReporter.Outputs {
    private final String jobId;
    private final int totalSteps;
    private final JobCheckpoints checkpoints;
    private final ObjectStore objects;
    private final JobEvents events;

    JobOutputs(String jobId, int totalSteps, JobCheckpoints checkpoints, ObjectStore objects, JobEvents events) {
        this.jobId = jobId;
        this.totalSteps = totalSteps;
        this.checkpoints = checkpoints;
        this.objects = objects;
        this.events = events;
    }

    /** The id under {@code images/} of a job's validation images of {@code step}. */
    static String validationId(String jobId, int step) {
        return jobId + ".validation-" + step;
    }

    @Override
    public void checkpoint(int step, Path folder) {
        try {
            if (step < totalSteps) {
                events.publish(new TrainingEvent.Checkpoint(jobId, step, checkpoints.publish(jobId, step, folder)));
            } else {
                JobWorkspace.delete(folder);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the checkpoint of step " + step + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void validation(int step, List<Path> images) {
        try {
            List<StoredObject> stored = new ArrayList<>();
            for (int n = 0; n < images.size(); n++) {
                StoredFile file = objects.put(ObjectKeys.image(validationId(jobId, step), n), Files.readAllBytes(images.get(n)));
                stored.add(new StoredObject(file.key(), file.sha256(), file.size()));
            }
            events.publish(new TrainingEvent.Validation(jobId, step, stored));
            // The engine's validation/ folder: these images and the artifact it drew them with.
            JobWorkspace.delete(images.get(0).getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the validation images of step " + step + ": " + e.getMessage(), e);
        }
    }
}
