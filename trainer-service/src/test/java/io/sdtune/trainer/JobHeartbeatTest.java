package io.sdtune.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobHeartbeatTest {
    private long now;
    private final JobHeartbeat heartbeat = new JobHeartbeat(() -> now);

    @Test
    void aJobSilentLongerThanTheLimitIsReportedAndAnIdleTrainerOrALiveJobIsNot() {
        Duration limit = Duration.ofMinutes(30);
        assertThat(heartbeat.silentLongerThan(limit)).as("idle").isEmpty();

        heartbeat.started("job-1");
        now += Duration.ofMinutes(29).toNanos();
        heartbeat.beat();
        now += Duration.ofMinutes(29).toNanos();
        assertThat(heartbeat.silentLongerThan(limit)).as("a step 29 minutes ago").isEmpty();

        now += Duration.ofMinutes(2).toNanos();
        assertThat(heartbeat.silentLongerThan(limit))
                .contains(new JobHeartbeat.Silence("job-1", Duration.ofMinutes(31)));

        heartbeat.ended();
        assertThat(heartbeat.silentLongerThan(limit)).as("the job ended").isEmpty();
    }
}
