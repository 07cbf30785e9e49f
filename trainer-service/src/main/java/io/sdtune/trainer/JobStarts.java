package io.sdtune.trainer;

import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.ObjectStore;
import java.io.IOException;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The runs of a job that started and never ended, as empty markers in the store ({@code jobs/<jobId>/starts/}):
 * each run leaves one while it trains and takes it away however it ends - except a run whose trainer died
 * (SIGKILL, an out-of-memory kill, a lost node). So a job that kills its trainer every time is recognised
 * after a few runs and given up, instead of being redelivered forever; the broker cannot count these, since
 * a record whose consumer died was never acknowledged or sent again.
 */
final class JobStarts {
    private static final Logger LOG = Logger.getLogger(JobStarts.class);

    /** One run's marker, and how many earlier runs of the job never ended. */
    record Start(String jobId, String key, int unended) {
    }

    private final ObjectStore objects;

    JobStarts(ObjectStore objects) {
        this.objects = objects;
    }

    Start begin(String jobId) throws IOException {
        int unended = objects.list(ObjectKeys.jobStarts(jobId)).size();
        String key = ObjectKeys.jobStart(jobId, UUID.randomUUID().toString());
        objects.put(key, new byte[0]);
        return new Start(jobId, key, unended);
    }

    /** This run ended, whichever way; a marker that cannot be removed only counts it once too often. */
    void end(Start start) {
        try {
            objects.delete(start.key());
        } catch (IOException e) {
            LOG.warnf(e, "job %s: its run's marker %s could not be removed", start.jobId(), start.key());
        }
    }

    /** The job is over: none of its runs counts any more. */
    void forget(String jobId) throws IOException {
        for (String key : objects.list(ObjectKeys.jobStarts(jobId))) {
            objects.delete(key);
        }
    }
}
