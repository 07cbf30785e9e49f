package io.sdtune.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while the running job has shown no sign of life for {@code sdtune.trainer.stall-timeout}: the orchestrator
 * (Kubernetes' liveness probe, bin/sdtune's supervisor) then restarts the trainer, and the job resumes from its
 * latest checkpoint on the next one. A stopped consumer is SmallRye's own check.
 */
@Liveness
@Readiness
@ApplicationScoped
public class TrainerHealth implements HealthCheck {

    @Inject
    JobRunner jobs;

    @Inject
    TrainerSettings settings;

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("training-job");
        return jobs.heartbeat().silentLongerThan(settings.stallTimeout())
                .map(s -> builder.down().withData("reason", "job " + s.jobId() + " has shown no progress for "
                        + s.silentFor().toSeconds() + " s (sdtune.trainer.stall-timeout " + settings.stallTimeout()
                        + ")").build())
                .orElseGet(() -> builder.up().build());
    }
}
