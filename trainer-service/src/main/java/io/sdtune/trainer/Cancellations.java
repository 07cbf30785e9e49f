package io.sdtune.trainer;

import io.sdtune.contracts.training.TrainingCancellation;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The jobs this instance has heard cancelled, each by its tenant's job id: a cancellation from another tenant
 * names no job of this one. Every instance reads the whole cancellation topic (a consumer group of its own), so
 * a job is stopped wherever it runs or is skipped wherever it is still queued. Bounded: the oldest go first, by
 * which time their jobs are long over.
 */
@ApplicationScoped
public class Cancellations {
    static final int REMEMBERED = 100_000;

    private final Set<TrainingCancellation> cancelled = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<TrainingCancellation, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    public void cancel(TrainingCancellation cancellation) {
        cancelled.add(cancellation);
    }

    public boolean isCancelled(String tenant, String jobId) {
        return cancelled.contains(new TrainingCancellation(jobId, tenant));
    }
}
