package io.sdtune.gateway.training;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.gateway.messaging.EventReader;
import io.sdtune.gateway.state.Retained;
import io.sdtune.gateway.state.RetentionLimits;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Every job's events, as read from {@value Topics#TRAINING_EVENTS} from its beginning (the gateway's consumer
 * group is its own per start, see application.properties), so a restarted gateway knows every job again - as
 * many as {@link RetentionLimits} keeps. Watchers get the history, then each event as it comes.
 */
@ApplicationScoped
public class TrainingJobs {

    /** An event as the gateway saw it: its type on the wire and when the trainer published it. */
    public record Seen(String type, Instant at, TrainingEvent event) {
    }

    @Inject
    EventReader reader;
    @Inject
    RetentionLimits limits;

    private Retained<Job> jobs;

    @PostConstruct
    void bound() {
        jobs = new Retained<>(limits.maxJobs(), limits.maxAge(), Job::updated, Job::finished, Job::drop);
    }

    /** A job of {@code tenant} this gateway has just published; its events may come from any gateway's request. */
    void submitted(String tenant, String jobId) {
        jobs.update(jobId, job -> {
            Job submitted = job != null ? job : newJob(jobId, Instant.now());
            submitted.ownedBy(tenant);
            return submitted;
        });
    }

    /** The job's status if {@code tenant} owns it; empty for another's, as for one never seen. */
    public Optional<TrainingStatus> status(String tenant, String jobId) {
        return owned(tenant, jobId).map(Job::status);
    }

    /**
     * The job's events so far, then live ones; completes after its final event. Empty for an unknown job or
     * another tenant's.
     */
    public Optional<Multi<Seen>> watch(String tenant, String jobId) {
        return owned(tenant, jobId).map(job -> Multi.createFrom().<Seen>emitter(job::watch));
    }

    /** How many of the tenant's jobs have not ended. */
    public long unfinished(String tenant) {
        return jobs.values().stream().filter(job -> job.isOwnedBy(tenant) && !job.finished()).count();
    }

    private Optional<Job> owned(String tenant, String jobId) {
        return jobs.get(jobId).filter(job -> job.isOwnedBy(tenant));
    }

    @Incoming("training-events")
    void onEvent(ConsumerRecord<String, String> record) {
        reader.decode(record, TrainingEvent.class).ifPresent(event -> {
            Seen seen = new Seen(typeOf(event), Instant.ofEpochMilli(record.timestamp()), event);
            jobs.update(event.jobId(), existing -> {
                Job job = existing != null ? existing : newJob(event.jobId(), seen.at());
                if (event instanceof TrainingEvent.Queued queued) {
                    job.ownedBy(queued.tenant());
                }
                job.add(seen);
                return job;
            });
        });
    }

    private Job newJob(String jobId, Instant at) {
        return new Job(TrainingStatus.submitted(jobId, at), limits.maxEventsPerJob());
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
