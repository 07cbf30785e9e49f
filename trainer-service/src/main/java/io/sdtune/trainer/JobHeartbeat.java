package io.sdtune.trainer;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * When the running job last showed a sign of life - it started, finished a phase (checkpoint restored, images
 * and model fetched) or a step - so that health can tell a job that trains from one stuck in a native call or
 * a hung device, which no step-wise check of the engine would ever see end.
 */
final class JobHeartbeat {
    /** A stuck job: its id and how long it has been silent. */
    record Silence(String jobId, Duration silentFor) {
    }

    private final LongSupplier nanoClock;
    private volatile String jobId;
    private volatile long lastBeat;

    JobHeartbeat(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    void started(String jobId) {
        lastBeat = nanoClock.getAsLong();
        this.jobId = jobId;
    }

    void beat() {
        lastBeat = nanoClock.getAsLong();
    }

    void ended() {
        jobId = null;
    }

    /** The running job if it has been silent longer than {@code limit}; empty when idle or alive. */
    Optional<Silence> silentLongerThan(Duration limit) {
        String running = jobId;
        Duration silent = Duration.ofNanos(nanoClock.getAsLong() - lastBeat);
        return running != null && silent.compareTo(limit) > 0 ? Optional.of(new Silence(running, silent))
                : Optional.empty();
    }
}
