package io.sdtune.trainer;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.DeviceMemory;
import io.sdtune.diffusion.training.ImageCaptions;
import io.sdtune.diffusion.training.MemoryGuard;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ChecksumMismatchException;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Runs;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StorageException;
import io.sdtune.storage.StoredFile;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs training jobs one at a time (one engine per instance: per GPU) on a thread of its own, outside
 * Vert.x and the Kafka poll loop. A job restores its latest checkpoint if it has one (it was delivered
 * again), publishes {@code started}, fetches its images and base model, trains (storing a checkpoint every
 * {@code checkpointing_steps}), publishes the adapter and announces it, then {@code succeeded}; a job whose
 * adapter exists is re-announced without training; a cancelled one ends {@code cancelled} with nothing
 * stored; anything that goes wrong with the job ends {@code failed} with a reason. A job that ended leaves no
 * checkpoints. What is not the job's fault - the trainer stopping, an object store outage that outlasted the
 * store's retries - ends it without a word: its record is not acked, and it comes again.
 */
@ApplicationScoped
public class JobRunner {
    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    @Inject
    JobEvents events;

    @Inject
    Cancellations cancellations;

    @Inject
    ObjectStore objects;

    @Inject
    ArtifactStore artifacts;

    @Inject
    ArtifactCache models;

    @Inject
    TrainerSettings settings;

    /** The device's bytes for the memory guard; 0 when unknown (no guard). */
    private long deviceMemory;

    private ExecutorService thread;
    private AdapterShelf adapters;
    private ImageShelf images;
    private JobCheckpoints checkpoints;
    private Runs runs;
    private volatile boolean stopping;
    private final JobHeartbeat heartbeat = new JobHeartbeat(System::nanoTime);

    /**
     * A job's adapter id: the job id itself, so a replay finds the adapter of its first run. One job makes one
     * adapter, and both ids obey the same syntax.
     */
    static String adapterIdOf(String jobId) {
        return jobId;
    }

    /** The running job's last sign of life (TrainerHealth). */
    JobHeartbeat heartbeat() {
        return heartbeat;
    }

    /** A job's folder left by a trainer that died is of no use: the job resumes from the store's checkpoint. */
    @PostConstruct
    void start() throws IOException {
        JobWorkspace.deleteAllIn(settings.workDir());
        thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "training-job"));
        adapters = new AdapterShelf(artifacts);
        images = new ImageShelf(objects);
        checkpoints = new JobCheckpoints(artifacts);
        runs = new Runs(objects, "training");
        Device device = Device.parse(settings.device());
        deviceMemory = settings.deviceMemory().orElseGet(() -> DeviceMemory.total(device).orElse(0));
        LOG.infof(deviceMemory == 0 ? "no memory guard: the size of %s is unknown (sdtune.trainer.device-memory)"
                : "memory guard: %s has %.1f GiB", device, deviceMemory / (double) (1L << 30));
    }

    /** The check a job's estimated memory must pass before it starts; null without a known device size. */
    private MemoryGuard memoryGuard(TrainingRequest request) {
        return deviceMemory == 0 ? null : new MemoryGuard(deviceMemory, settings.memoryOverhead(),
                Boolean.TRUE.equals(request.withDefaults().hyperParameters().allowMemorySavings()));
    }

    /**
     * The running job stops at its next step and says nothing: its record stays unacked, so it is delivered
     * again, to this instance restarted or to another, and resumes from its latest checkpoint.
     */
    @PreDestroy
    void stop() {
        stopping = true;
        thread.shutdown();
    }

    /**
     * Completes when the job has ended and all its events are written; exceptionally with {@link JobNotFinished}
     * when it ended without an outcome of its own, or when its events could not be written. {@code attempt}
     * counts from 1 the times its request was sent (TrainingRequestConsumer).
     */
    public CompletionStage<Void> submit(TrainingRequest request, int attempt) {
        return CompletableFuture.runAsync(() -> run(request, attempt), thread);
    }

    private void run(TrainingRequest request, int attempt) {
        String jobId = request.jobId();
        String tenant = request.tenant();
        Runs.Run run = null;
        heartbeat.started(jobId);
        try {
            Optional<AdapterAnnouncement> finished = adapters.existing(tenant, adapterIdOf(jobId));
            if (finished.isPresent()) {
                LOG.infof("job %s: adapter already published, announcing it again", jobId);
                succeed(jobId, finished.get());
            } else if (cancellations.isCancelled(tenant, jobId)) {
                events.publish(new TrainingEvent.Cancelled(jobId));
            } else {
                Optional<String> shortage = new WorkDisk(settings.workDir(), settings.minFreeDisk()).shortage();
                if (shortage.isPresent()) {
                    notNow(request, shortage.get(), attempt);
                }
                run = runs.begin(jobId);
                if (run.unended() >= settings.maxAttempts()) {
                    giveUp(request, "it was started " + run.unended() + " times and never ended: its trainer died each "
                            + "time (out of memory?)");
                }
                try (JobWorkspace workspace = JobWorkspace.create(settings.workDir(), jobId)) {
                    Optional<AdapterAnnouncement> adapter = train(request, workspace);
                    if (adapter.isPresent()) {
                        succeed(jobId, adapter.get());
                    } else {
                        LOG.infof("job %s: cancelled", jobId);
                        events.publish(new TrainingEvent.Cancelled(jobId));
                    }
                }
            }
            forget(tenant, jobId);
        } catch (JobNotFinished e) {
            throw e;
        } catch (JobFailure e) {
            fail(request, e.getMessage(), null);
        } catch (IOException e) {
            storeFailed(request, e, attempt);
        } catch (UncheckedIOException e) {
            storeFailed(request, e.getCause(), attempt);
        } catch (RuntimeException | Error e) {
            // An Error too (out of memory, a native library's): the job's end is told, not redelivered forever.
            fail(request, "training failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        } finally {
            heartbeat.ended();
            if (run != null) {
                runs.end(run);
            }
        }
    }

    /** An outage that outlasted the store's retries is not the job's fault. */
    private void storeFailed(TrainingRequest request, IOException e, int attempt) {
        if (!(e instanceof StorageException s && s.passing())) {
            fail(request, "the object store failed: " + e.getMessage(), e);
            return;
        }
        notNow(request, "the object store is unreachable: " + e.getMessage(), attempt);
    }

    /** Not the job's fault: its request is sent again, unless it has had its {@code max-attempts}. */
    private void notNow(TrainingRequest request, String reason, int attempt) {
        String jobId = request.jobId();
        if (attempt >= settings.maxAttempts()) {
            giveUp(request, "attempt " + attempt + " of " + settings.maxAttempts() + " ended as the others: " + reason);
        }
        LOG.warnf("job %s (attempt %d of %d) to be tried again: %s", jobId, attempt, settings.maxAttempts(), reason);
        throw new JobNotFinished(jobId, JobNotFinished.Next.RETRY, reason);
    }

    /** Ends the job {@code failed} and its request in the dead-letter topic. */
    private void giveUp(TrainingRequest request, String why) {
        String jobId = request.jobId();
        String reason = "gave up on the job: " + why;
        fail(request, reason, null);
        throw new JobNotFinished(jobId, JobNotFinished.Next.DEAD_LETTER, reason);
    }

    /** The adapter the job trained, or empty if it was cancelled. */
    private Optional<AdapterAnnouncement> train(TrainingRequest request, JobWorkspace workspace)
            throws JobFailure, IOException {
        long started = System.nanoTime();
        Optional<Integer> resumed = checkpoints.restoreLatest(request.tenant(), request.jobId(), workspace.checkpoint());
        events.publish(new TrainingEvent.Started(request.jobId(), resumed.orElse(null)));
        heartbeat.beat();
        download(request, workspace.images());
        heartbeat.beat();
        Path model = baseModel(request.baseModelId());
        heartbeat.beat();
        EngineSetup setup = EngineSetup.of(request, model, workspace, Device.parse(settings.device()));
        heartbeat.beat();
        int totalSteps = setup.args().maxTrainSteps();
        BooleanSupplier overTime = () -> System.nanoTime() - started > settings.maxJobDuration().toNanos();
        ProgressReporter progress = new ProgressReporter(request.jobId(), events::publish, heartbeat::beat,
                new JobOutputs(request.tenant(), request.jobId(), totalSteps, checkpoints, images, events),
                () -> stopping || cancellations.isCancelled(request.tenant(), request.jobId()) || overTime.getAsBoolean(), System::nanoTime,
                settings.progressInterval().toNanos());
        LOG.infof("job %s: training %s on %s for %d steps%s", request.jobId(), request.method(), settings.device(), totalSteps,
                resumed.map(step -> ", resuming from the checkpoint of step " + step).orElse(""));
        try {
            new Trainer(setup.args(), setup.method(), memoryGuard(request)).run(progress);
        } catch (MemoryGuard.InsufficientMemoryException e) {
            throw new JobFailure(e.getMessage());
        }
        if (stopping) {
            throw leftForRedelivery(request.jobId());
        }
        if (cancellations.isCancelled(request.tenant(), request.jobId())) {
            return Optional.empty();
        }
        if (progress.cancelled()) {
            throw new JobFailure("the job ran longer than the trainer's limit of " + humane(settings.maxJobDuration())
                    + " (sdtune.trainer.max-job-duration) and was stopped");
        }
        return Optional.of(adapters.publish(request.tenant(), adapterIdOf(request.jobId()), null, setup.kind(),
                request.baseModelId(), request.jobId(), setup.triggerTokens(), ArtifactFile.allIn(workspace.output())));
    }

    /**
     * The request's images, verified against their checksums, into {@code folder}, and its captions as the folder's
     * {@code metadata.jsonl} by the names the images have there; each must be in its dataset.
     */
    private void download(TrainingRequest request, Path folder) throws JobFailure, IOException {
        // The dataset's prefix is the request's tenant's: another tenant's images are not its dataset's.
        String dataset = Shelf.DATASETS.at(request.tenant(), request.datasetId()).prefix();
        List<StoredObject> images = request.images();
        Map<String, String> localNames = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            StoredObject image = images.get(i);
            String name = inDataset("image", image, dataset, request);
            // Numbered: two images of one name in different folders of the dataset stay apart.
            String local = String.format("%03d-%s", i, name);
            localNames.put(image.key().substring(dataset.length()), local);
            fetch(image, folder.resolve(local), "dataset image");
        }
        if (request.captions() != null) {
            inDataset("captions", request.captions(), dataset, request);
            Path metadata = folder.resolve(ImageCaptions.METADATA);
            fetch(request.captions(), metadata, "the dataset's captions");
            Map<String, String> captions = new LinkedHashMap<>();
            try {
                ImageCaptions.parseMetadata(request.captions().key(), Files.readAllLines(metadata)).forEach(
                        (name, caption) -> {
                            if (localNames.containsKey(name)) {
                                captions.put(localNames.get(name), caption);
                            }
                        });
            } catch (IllegalArgumentException e) {
                throw new JobFailure("the dataset's captions cannot be read (" + e.getMessage() + "): upload the "
                        + "dataset again", e);
            }
            ImageCaptions.write(folder, captions);
        }
    }

    /** {@code file}'s name in the dataset at {@code prefix}; a file outside it fails the job. */
    private static String inDataset(String what, StoredObject file, String prefix, TrainingRequest request)
            throws JobFailure {
        if (!file.key().startsWith(prefix)) {
            throw new JobFailure(what + " " + file.key() + " is not in dataset " + request.datasetId()
                    + " (its keys start with " + prefix + ")");
        }
        return file.key().substring(file.key().lastIndexOf('/') + 1);
    }

    private void fetch(StoredObject file, Path to, String what) throws JobFailure, IOException {
        try {
            objects.download(new StoredFile(file.key(), file.sha256(), file.sizeBytes()), to);
        } catch (NoSuchFileException e) {
            throw new JobFailure(what + " " + file.key() + " is not in the object store: upload the dataset again", e);
        } catch (ChecksumMismatchException e) {
            throw new JobFailure(what + " " + file.key() + " is not the one the request names (its sha256 differs): "
                    + "upload the dataset again", e);
        }
    }

    private Path baseModel(String baseModelId) throws JobFailure, IOException {
        try {
            return models.fetch(Shelf.MODELS.at(baseModelId));
        } catch (NoSuchFileException e) {
            throw new JobFailure("base model " + baseModelId + " is not in the object store (no "
                    + Shelf.MODELS.at(baseModelId).manifestKey() + ")", e);
        }
    }

    /** The job ended: its checkpoints and run markers can only take room. Left in the store if that fails, harmlessly. */
    private void forget(String tenant, String jobId) {
        try {
            checkpoints.deleteAll(tenant, jobId);
            runs.forget(jobId);
        } catch (IOException e) {
            LOG.warnf(e, "job %s: its checkpoints or run markers could not be removed from the store", jobId);
        }
    }

    private void succeed(String jobId, AdapterAnnouncement adapter) {
        events.announce(adapter);
        events.publish(new TrainingEvent.Succeeded(jobId, adapter.adapterId()));
    }

    /** Publishes {@code failed}; {@code cause} is null for a {@link JobFailure}, whose reason says it all. */
    private void fail(TrainingRequest request, String reason, Throwable cause) {
        String jobId = request.jobId();
        if (stopping) {
            // Most likely the shutdown itself (the store or the broker closed under the job): not the job's fault.
            throw leftForRedelivery(jobId);
        }
        LOG.warnf(cause, "job %s failed: %s", jobId, reason);
        events.publish(new TrainingEvent.Failed(jobId, reason));
        forget(request.tenant(), jobId);
    }

    /** {@code 24 h}, {@code 90 min}, {@code 3 s}. */
    private static String humane(Duration d) {
        if (d.toSecondsPart() != 0 || d.isZero()) {
            return d.toSeconds() + " s";
        }
        return d.toMinutesPart() != 0 ? d.toMinutes() + " min" : d.toHours() + " h";
    }

    /** Ends a job without a word while the trainer stops: its record is not acked, so it comes again. */
    private static JobNotFinished leftForRedelivery(String jobId) {
        return new JobNotFinished(jobId, JobNotFinished.Next.REDELIVER, "left for redelivery: the trainer is stopping");
    }
}
