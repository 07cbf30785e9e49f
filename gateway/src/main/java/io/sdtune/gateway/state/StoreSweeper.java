package io.sdtune.gateway.state;

import io.quarkus.scheduler.Scheduled;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.Sweeper;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Sweeps the store every {@code sdtune.gateway.sweep.interval} (storage's {@link Sweeper}): orphaned files past
 * their grace, and images past their retention. Every gateway instance sweeps; the deletions are idempotent, and
 * a sweep still running when the next is due is not started twice.
 */
@ApplicationScoped
public class StoreSweeper {
    private static final Logger LOG = Logger.getLogger(StoreSweeper.class);

    @Inject
    ArtifactStore artifacts;
    @Inject
    SweepSettings settings;

    private Sweeper sweeper;

    @PostConstruct
    void start() {
        sweeper = new Sweeper(artifacts, Clock.systemUTC());
    }

    @Scheduled(every = "${sdtune.gateway.sweep.interval}", delayed = "${sdtune.gateway.sweep.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void sweep() {
        try {
            report("orphaned files", sweeper.orphans(settings.orphanGrace()));
            if (settings.generationImages().isPresent() || settings.validationImages().isPresent()) {
                report("images past their retention", sweeper.images(set -> ImageShelf.isValidationSet(set)
                        ? settings.validationImages() : settings.generationImages()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "the store's sweep failed, the next one tries again in %s", humane(settings.interval()));
        }
    }

    private static void report(String what, Sweeper.Swept swept) {
        if (swept.objects() > 0) {
            LOG.infof("swept %d %s (%d bytes)", swept.objects(), what, swept.bytes());
        }
    }

    private static String humane(Duration d) {
        return d.toString().substring(2).toLowerCase();
    }
}
