package io.sdtune.gateway.quota;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.generation.Generations;
import io.sdtune.gateway.training.TrainingJobs;
import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.ObjectStore;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The tenants' quotas, checked before work is accepted: a request over one is refused 429 with {@code Retry-After}
 * and which quota it is. Running trainings and queued generations are counted from the gateway's own state (what
 * it read from the topics); stored bytes from a listing of the tenant's prefix, counted again at most every
 * {@code stored-bytes-refresh} (a listing of thousands of objects per upload would cost more than the upload).
 */
@ApplicationScoped
public class Quotas {
    /** A job takes minutes: a client is told to look again in one. */
    static final long TRAINING_RETRY_SECONDS = 60;
    /** A generation takes seconds. */
    static final long GENERATION_RETRY_SECONDS = 5;
    /** Room comes back only when the tenant deletes something: no sooner than a recount. */
    static final long STORAGE_RETRY_SECONDS = 60;

    @Inject
    QuotaSettings settings;
    @Inject
    TrainingJobs jobs;
    @Inject
    Generations generations;
    @Inject
    ObjectStore objects;

    private LoadingCache<String, Long> storedBytes;

    @PostConstruct
    void start() {
        storedBytes = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(settings.storedBytesRefresh())
                .build(this::count);
    }

    /** Before a training job: one more may run, and the tenant has room for what it makes. */
    public void checkTraining(String tenant) {
        int max = settings.maxConcurrentTrainings(tenant);
        long running = jobs.unfinished(tenant);
        if (running >= max) {
            throw ProblemException.tooManyRequests("quota: at most " + max + " training jobs at once, " + running
                    + " are running; cancel one or wait for one to end", TRAINING_RETRY_SECONDS);
        }
        checkStorage(tenant, 0);
    }

    /** Before a generation: one more may wait. */
    public void checkGeneration(String tenant) {
        int max = settings.maxQueuedGenerations(tenant);
        long queued = generations.pending(tenant);
        if (queued >= max) {
            throw ProblemException.tooManyRequests("quota: at most " + max + " generations waiting at once, " + queued
                    + " are", GENERATION_RETRY_SECONDS);
        }
    }

    /** Before {@code bytes} more are stored: they fit, with what the tenant stores already. */
    public void checkStorage(String tenant, long bytes) {
        long max = settings.maxStoredBytes(tenant);
        long used = storedBytes.get(tenant);
        if (used >= max || used + bytes > max) {
            throw ProblemException.tooManyRequests("quota: at most " + max + " bytes stored, " + used + " are"
                    + (bytes > 0 ? " and this adds " + bytes : "") + "; delete adapters, datasets or generations",
                    STORAGE_RETRY_SECONDS);
        }
    }

    /** What the tenant stores changed here (an upload, a deletion): counted again at the next check. */
    public void stored(String tenant) {
        storedBytes.invalidate(tenant);
    }

    private long count(String tenant) {
        try {
            return objects.listed(ObjectKeys.tenant(tenant)).stream().mapToLong(ObjectStore.Listed::size).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
