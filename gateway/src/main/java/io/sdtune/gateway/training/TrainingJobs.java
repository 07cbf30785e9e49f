package io.sdtune.gateway.training;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.gateway.messaging.EventReader;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Every job's events, as read from {@value Topics#TRAINING_EVENTS} from its beginning (the gateway's consumer
 * group is its own per start, see application.properties), so a restarted gateway knows every job again.
 * Watchers get the history, then each event as it comes.
 */
@ApplicationScoped
public class TrainingJobs {

    /** An event as the gateway saw it: its type on the wire and when the trainer published it. */
    public record Seen(String type, Instant at, TrainingEvent event) {
    }

    private static final class Job {
        TrainingStatus status;
        final List<Seen> history = new ArrayList<>();
        final List<MultiEmitter<? super Seen>> watchers = new ArrayList<>();

        Job(TrainingStatus status) {
            this.status = status;
        }
    }

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    @Inject
    EventReader reader;

    /** A job this gateway has just published; its events may come from any gateway's request. */
    void submitted(String jobId) {
        jobs.putIfAbsent(jobId, new Job(TrainingStatus.submitted(jobId, Instant.now())));
    }

    public Optional<TrainingStatus> status(String jobId) {
        Job job = jobs.get(jobId);
        if (job == null) {
            return Optional.empty();
        }
        synchronized (job) {
            return Optional.of(job.status);
        }
    }

    /** The job's events so far, then live ones; completes after its final event. Empty for an unknown job. */
    public Optional<Multi<Seen>> watch(String jobId) {
        Job job = jobs.get(jobId);
        if (job == null) {
            return Optional.empty();
        }
        return Optional.of(Multi.createFrom().emitter(emitter -> {
            synchronized (job) {
                job.history.forEach(emitter::emit);
                if (!job.history.isEmpty() && TrainingStatus.isFinal(last(job).event())) {
                    emitter.complete();
                    return;
                }
                job.watchers.add(emitter);
                emitter.onTermination(() -> {
                    synchronized (job) {
                        job.watchers.remove(emitter);
                    }
                });
            }
        }));
    }

    @Incoming("training-events")
    void onEvent(ConsumerRecord<String, String> record) {
        reader.decode(record, TrainingEvent.class).ifPresent(event -> {
            Seen seen = new Seen(typeOf(event), Instant.ofEpochMilli(record.timestamp()), event);
            Job job = jobs.computeIfAbsent(event.jobId(), id -> new Job(TrainingStatus.submitted(id, seen.at())));
            synchronized (job) {
                job.history.add(seen);
                job.status = job.status.after(event, seen.type(), seen.at());
                boolean done = TrainingStatus.isFinal(event);
                for (MultiEmitter<? super Seen> watcher : List.copyOf(job.watchers)) {
                    watcher.emit(seen);
                    if (done) {
                        watcher.complete();
                    }
                }
            }
        });
    }

    private static Seen last(Job job) {
        return job.history.get(job.history.size() - 1);
    }

    /** The {@code type} the contracts give this event on the wire, from their own {@link JsonSubTypes}. */
    private static String typeOf(TrainingEvent event) {
        return Arrays.stream(TrainingEvent.class.getAnnotation(JsonSubTypes.class).value())
                .filter(type -> type.value() == event.getClass())
                .findFirst()
                .orElseThrow()
                .name();
    }
}
