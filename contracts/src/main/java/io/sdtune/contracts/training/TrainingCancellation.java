package io.sdtune.contracts.training;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;

/**
 * Stop job {@code job_id}: the trainer running it stops at the next step and publishes
 * {@link TrainingEvent.Cancelled}; a trainer that has not started it yet skips it. Cancelling a finished
 * job changes nothing. {@code tenant} is the caller's: a trainer cancels only a job of that tenant.
 */
@SchemaVersion(2) // 2 added tenant
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainingCancellation(String jobId, String tenant) implements Message {

    @Override
    public String key() {
        return jobId;
    }

    @Override
    public void check(Problems p) {
        p.required("job_id", jobId, Syntax.ID);
        p.required("tenant", tenant, Syntax.ID);
    }
}
