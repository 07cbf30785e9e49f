package io.sdtune.gateway.training;

import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.gateway.training.TrainingJobs.Seen;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One job as the gateway saw it: its status, its events (for a new watcher to be replayed) and its watchers.
 * Its history is bounded: past {@code maxEvents} every other progress event is dropped, so a replayed loss
 * curve keeps its whole course at a coarser step.
 */
final class Job {
    private final int maxEvents;
    private final List<Seen> history = new ArrayList<>();
    private final List<MultiEmitter<? super Seen>> watchers = new ArrayList<>();
    private TrainingStatus status;
    private String tenant;
    private boolean dropped;

    Job(TrainingStatus status, int maxEvents) {
        this.status = status;
        this.maxEvents = maxEvents;
    }

    /** The tenant that owns the job: the one its {@code queued} event names. */
    synchronized void ownedBy(String tenant) {
        this.tenant = tenant;
    }

    /** Whether {@code caller} owns the job; a job whose {@code queued} was not seen is nobody's. */
    synchronized boolean isOwnedBy(String caller) {
        return caller.equals(tenant);
    }

    synchronized TrainingStatus status() {
        return status;
    }

    synchronized Instant updated() {
        return status.updated();
    }

    synchronized boolean finished() {
        return !history.isEmpty() && TrainingStatus.isFinal(last().event());
    }

    /** The event in the history and the status, and to every watcher; the final one completes them. */
    synchronized void add(Seen seen) {
        history.add(seen);
        if (history.size() > maxEvents) {
            thin();
        }
        status = status.after(seen.event(), seen.type(), seen.at());
        for (MultiEmitter<? super Seen> watcher : List.copyOf(watchers)) {
            watcher.emit(seen);
            if (finished()) {
                watcher.complete();
            }
        }
    }

    /** The history so far, then each event as it comes; completes at once for a finished or dropped job. */
    synchronized void watch(MultiEmitter<? super Seen> watcher) {
        history.forEach(watcher::emit);
        if (finished() || dropped) {
            watcher.complete();
            return;
        }
        watchers.add(watcher);
        watcher.onTermination(() -> {
            synchronized (this) {
                watchers.remove(watcher);
            }
        });
    }

    /** No longer kept by the gateway: its watchers are let go. */
    synchronized void drop() {
        dropped = true;
        List.copyOf(watchers).forEach(MultiEmitter::complete);
    }

    /** Every other progress event dropped, the latest kept. */
    private void thin() {
        List<Seen> kept = new ArrayList<>();
        boolean keep = false;
        for (int i = 0; i < history.size(); i++) {
            Seen seen = history.get(i);
            if (seen.event() instanceof TrainingEvent.Progress && i < history.size() - 1) {
                keep = !keep;
                if (!keep) {
                    continue;
                }
            }
            kept.add(seen);
        }
        history.clear();
        history.addAll(kept);
    }

    private Seen last() {
        return history.get(history.size() - 1);
    }
}
