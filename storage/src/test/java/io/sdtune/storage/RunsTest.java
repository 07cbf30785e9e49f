package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Counting the runs of work that never ended, with markers in a real S3 server. */
class RunsTest {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private final Runs runs = new Runs(S3.store(), "training");

    @Test
    void aRunThatEndsLeavesNothingAndOneWhoseProcessDiedIsCountedByTheNext() throws IOException {
        Runs.Run ended = runs.begin("job-1");
        runs.end(ended);
        Runs.Run died = runs.begin("job-1"); // its process dies: end is never called

        Runs.Run next = runs.begin("job-1");

        assertThat(ended.unended()).isZero();
        assertThat(died.unended()).isZero();
        assertThat(next.unended()).isEqualTo(1);
        assertThat(runs.begin("job-2").unended()).as("another job's runs").isZero();
        assertThat(new Runs(S3.store(), "generation").begin("job-1").unended()).as("another kind's").isZero();
    }

    @Test
    void forgettingWorkRemovesAllItsMarkers() throws IOException {
        runs.begin("job-1");
        runs.begin("job-1");

        runs.forget("job-1");

        assertThat(S3.store().list(ObjectKeys.runs("training", "job-1"))).isEmpty();
        assertThat(runs.begin("job-1").unended()).isZero();
    }
}
