package io.sdtune.contracts.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Rejections;
import io.sdtune.contracts.Samples;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainingEventTest {
    private static final TrainingEvent.Progress PROGRESS = new TrainingEvent.Progress("job-1", 10, 400, 0.12, 5e-4, 0.25, 97.5);

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            step             | 0      | step must be between 1 and 100000, got 0
            step             | 401    | step must not exceed total_steps (400), got 401
            total_steps      | 0      | total_steps must be between 1 and 100000, got 0
            loss             | -0.5   | loss must be >= 0, got -0.5
            learning_rate    | -1e-4  | learning_rate must be >= 0, got -0.0001
            seconds_per_step | -1     | seconds_per_step must be >= 0, got -1
            eta_seconds      | 1e999  | eta_seconds must be >= 0, got Infinity
            job_id           | absent | job_id is required
            """)
    void progressIsAStepOfItsTotalWithSaneNumbers(String field, String value, String problem) {
        assertThat(Rejections.of(PROGRESS, field, value)).containsExactly(problem);
    }

    @Test
    void aCheckpointAValidationAndASuccessNameWhatTheyStored() {
        TrainingEvent.Checkpoint checkpoint = new TrainingEvent.Checkpoint("job-1", 200,
                List.of(Samples.stored("checkpoints/job-1/200/state.safetensors")));

        assertThat(Rejections.of(checkpoint, "files", "[]")).containsExactly("files must have between 1 and 1000 entries, got 0");
        assertThat(Rejections.of(checkpoint, "step", "0")).containsExactly("step must be between 1 and 100000, got 0");
        TrainingEvent.Validation validation = new TrainingEvent.Validation("job-1", 100,
                List.of(Samples.stored("images/job-1.validation-100/0.png")));
        assertThat(Rejections.of(validation, "images", "[]")).containsExactly("images must have between 1 and 16 entries, got 0");
        assertThat(Rejections.of(new TrainingEvent.Succeeded("job-1", "lora-1"), "adapter_id", "absent"))
                .containsExactly("adapter_id is required");
    }

    @Test
    void aFailureSaysWhyAndIsNeverRefusedForSayingTooMuch() {
        TrainingEvent.Failed failed = new TrainingEvent.Failed("job-1", "out of GPU memory at resolution 2048");
        TrainingEvent.Failed verbose = new TrainingEvent.Failed("job-1", "x".repeat(20_000));

        assertThat(Rejections.of(failed, "reason", "\"\"")).containsExactly("reason must not be empty");
        assertThat(Rejections.of(failed, "reason", "\"line 1\\r\\nline 2\"")).isEmpty();
        assertThat(verbose.reason()).hasSize(10_000).endsWith("x [cut]");
        verbose.validate();
    }

    @Test
    void everyEventOfAJobIsKeyedByIt() {
        List<TrainingEvent> events = List.of(new TrainingEvent.Queued("job-1", "tenant-a"), new TrainingEvent.Started("job-1"), PROGRESS,
                new TrainingEvent.Succeeded("job-1", "a"), new TrainingEvent.Failed("job-1", "x"),
                new TrainingEvent.Cancelled("job-1"));

        assertThat(events).extracting(TrainingEvent::key).containsOnly("job-1");
        assertThat(new TrainingCancellation("job-1", "tenant-a").key()).isEqualTo("job-1");
    }
}
