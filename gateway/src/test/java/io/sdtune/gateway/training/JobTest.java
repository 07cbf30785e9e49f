package io.sdtune.gateway.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.gateway.training.TrainingJobs.Seen;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobTest {
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

    private static Seen progress(int step) {
        return new Seen("progress", START.plusSeconds(step),
                new TrainingEvent.Progress("job", step, 10_000, 0.1, 1e-4, 1.0, 10_000.0 - step));
    }

    private static List<Seen> replayed(Job job) {
        return Multi.createFrom().<Seen>emitter(job::watch).collect().asList().await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void pastItsBoundEveryOtherProgressEventIsDroppedTheOthersAndTheLatestKept() {
        Job job = new Job(TrainingStatus.submitted("job", START), 100);
        job.add(new Seen("started", START, new TrainingEvent.Started("job")));
        for (int step = 1; step <= 1000; step++) {
            job.add(progress(step));
        }
        job.add(new Seen("succeeded", START.plusSeconds(1001), new TrainingEvent.Succeeded("job", "adapter")));

        List<Seen> history = replayed(job);
        assertThat(history.size()).isLessThanOrEqualTo(101);
        assertThat(history.get(0).type()).isEqualTo("started");
        assertThat(history.get(history.size() - 2).event()).isEqualTo(progress(1000).event());
        assertThat(history.get(history.size() - 1).type()).isEqualTo("succeeded");
        assertThat(history.subList(1, history.size() - 1)).extracting(seen -> ((TrainingEvent.Progress) seen.event()).step())
                .as("the whole course, in order").isSorted().contains(1);
        assertThat(job.status().state()).isEqualTo("succeeded");
    }

    @Test
    void aDroppedJobLetsItsWatchersGo() {
        Job job = new Job(TrainingStatus.submitted("job", START), 100);
        job.add(progress(1));
        var watched = Multi.createFrom().<Seen>emitter(job::watch).collect().asList().subscribeAsCompletionStage();

        job.drop();

        assertThat(watched).succeedsWithin(Duration.ofSeconds(5)).asList().hasSize(1);
    }
}
