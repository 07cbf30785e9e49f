package io.sdtune.trainer;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.storage.ImageShelf;
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
    private final String tenant;
    private final String jobId;
    private final int totalSteps;
    private final JobCheckpoints checkpoints;
    private final ImageShelf images;
    private final JobEvents events;

    JobOutputs(String tenant, String jobId, int totalSteps, JobCheckpoints checkpoints, ImageShelf images,
            JobEvents events) {
        this.tenant = tenant;
        this.jobId = jobId;
        this.totalSteps = totalSteps;
        this.checkpoints = checkpoints;
        this.images = images;
        this.events = events;
    }

    @Override
    public void checkpoint(int step, Path folder) {
        try {
            if (step < totalSteps) {
                events.publish(new TrainingEvent.Checkpoint(jobId, step, checkpoints.publish(tenant, jobId, step, folder)));
            } else {
                JobWorkspace.delete(folder);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the checkpoint of step " + step + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void validation(int step, List<Path> drawn) {
        try {
            List<StoredObject> stored = new ArrayList<>();
            for (int n = 0; n < drawn.size(); n++) {
                StoredFile file = images.put(tenant, ImageShelf.validationSet(jobId, step), n, Files.readAllBytes(drawn.get(n)));
                stored.add(file.asStoredObject());
            }
            events.publish(new TrainingEvent.Validation(jobId, step, stored));
            // The engine's validation/ folder: these images and the artifact it drew them with.
            JobWorkspace.delete(drawn.get(0).getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the validation images of step " + step + ": " + e.getMessage(), e);
        }
    }
}
