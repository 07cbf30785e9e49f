package io.sdtune.storage;

import java.io.IOException;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The runs of a kind of work (training jobs, generation requests) that started and never ended, as empty markers
 * {@code runs/<kind>/<workId>/<runId>}: each run puts one before it works and removes it however it ends -
 * except a run whose process died (SIGKILL, an out-of-memory kill, a lost node). So work that kills its process
 * every time is recognised after a few runs and given up, instead of being redelivered forever: the broker cannot
 * count those deliveries, since a record whose consumer died was never acknowledged or sent again.
 */
public final class Runs {
    private static final Logger LOG = Logger.getLogger(Runs.class.getName());

    /** One run's marker, and how many earlier runs of the work never ended. */
    public record Run(String workId, String key, int unended) {
    }

    private final ObjectStore objects;
    private final String kind;

    /** {@code kind}: {@code training}, {@code generation} - one id space each. */
    public Runs(ObjectStore objects, String kind) {
        this.objects = objects;
        this.kind = ObjectKeys.id("kind of work", kind);
    }

    public Run begin(String workId) throws IOException {
        int unended = objects.list(ObjectKeys.runs(kind, workId)).size();
        String key = ObjectKeys.run(kind, workId, UUID.randomUUID().toString());
        objects.put(key, new byte[0]);
        return new Run(workId, key, unended);
    }

    /** This run ended, whichever way; a marker that cannot be removed only counts it once too often. */
    public void end(Run run) {
        try {
            objects.delete(run.key());
        } catch (IOException e) {
            LOG.log(Level.WARNING, kind + " " + run.workId() + ": its run's marker " + run.key()
                    + " could not be removed", e);
        }
    }

    /** The work is over: none of its runs counts any more. */
    public void forget(String workId) throws IOException {
        for (String key : objects.list(ObjectKeys.runs(kind, workId))) {
            objects.delete(key);
        }
    }
}
