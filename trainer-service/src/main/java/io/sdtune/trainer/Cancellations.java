package io.sdtune.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The job ids this instance has heard cancelled. Every instance reads the whole cancellation topic (a
 * consumer group of its own), so a job is stopped wherever it runs or is skipped wherever it is still
 * queued. Bounded: the oldest ids go first, by which time their jobs are long over.
 */
@ApplicationScoped
public class Cancellations {
    static final int REMEMBERED = 100_000;

    private final Set<String> jobIds = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    public void cancel(String jobId) {
        jobIds.add(jobId);
    }

    public boolean isCancelled(String jobId) {
        return jobIds.contains(jobId);
    }
}
