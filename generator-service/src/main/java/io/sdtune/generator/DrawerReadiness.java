package io.sdtune.generator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready} is DOWN while the drawer is past its batch timeout: the instance answers every request
 * failed until the batch ends, so it should get no traffic and be looked at (a native run that hangs cannot be
 * interrupted). It is not a liveness check: a batch that ends late brings the instance back by itself.
 */
@Readiness
@ApplicationScoped
public class DrawerReadiness implements HealthCheck {
    static final String NAME = "generator drawer";

    @Inject
    Batcher batcher;

    @Override
    public HealthCheckResponse call() {
        return batcher.stuck()
                .map(reason -> HealthCheckResponse.named(NAME).down().withData("reason", reason).build())
                .orElseGet(() -> HealthCheckResponse.up(NAME));
    }
}
