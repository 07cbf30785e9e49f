package io.sdtune.storage.cdi;

import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ImageShelf;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoreConfig;
import io.sdtune.storage.StoreRetry;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The store as CDI beans of the services, from their configuration: one {@link ObjectStore} per process (a
 * MinIO client is thread-safe and costly to build), closed at shutdown, trying again what failed for a passing
 * reason as {@code sdtune.store.retry.*} say ({@link StoreRetry}); the {@link ArtifactStore} over it, and the
 * {@link AdapterShelf} and {@link ImageShelf}; and,
 * for a service that injects it, the {@link ArtifactCache} under {@code sdtune.cache.dir}, bounded by
 * {@code sdtune.cache.max-bytes} (Quarkus drops unused producers, so a service without a cache needs no such
 * settings). Found by Quarkus through this jar's {@code META-INF/beans.xml}.
 */
@Singleton
public class StoreBeans {

    @Produces
    @Singleton
    ObjectStore objectStore(Config config) throws IOException {
        return ObjectStore.open(storeConfig(config));
    }

    /**
     * The store that {@code sdtune.store.*} name: endpoint, access-key, secret-key, bucket and the optional
     * retry.initial-delay, retry.max-delay, retry.max-duration. One reading for the services and for
     * {@code publish-model}, which runs outside Quarkus on the same variables.
     */
    public static StoreConfig storeConfig(Config config) {
        StoreRetry retry = new StoreRetry(
                config.getOptionalValue("sdtune.store.retry.initial-delay", Duration.class)
                        .orElse(StoreRetry.DEFAULT.initialDelay()),
                config.getOptionalValue("sdtune.store.retry.max-delay", Duration.class)
                        .orElse(StoreRetry.DEFAULT.maxDelay()),
                config.getOptionalValue("sdtune.store.retry.max-duration", Duration.class)
                        .orElse(StoreRetry.DEFAULT.maxDuration()));
        return new StoreConfig(config.getValue("sdtune.store.endpoint", String.class),
                config.getValue("sdtune.store.access-key", String.class),
                config.getValue("sdtune.store.secret-key", String.class),
                config.getValue("sdtune.store.bucket", String.class)).withRetry(retry);
    }

    @Produces
    @Singleton
    ArtifactStore artifactStore(ObjectStore objects) {
        return new ArtifactStore(objects);
    }

    @Produces
    @Singleton
    AdapterShelf adapterShelf(ArtifactStore artifacts) {
        return new AdapterShelf(artifacts);
    }

    @Produces
    @Singleton
    ImageShelf imageShelf(ObjectStore objects) {
        return new ImageShelf(objects);
    }

    @Produces
    @Singleton
    ArtifactCache artifactCache(ArtifactStore artifacts, @ConfigProperty(name = "sdtune.cache.dir") Path dir,
            @ConfigProperty(name = "sdtune.cache.max-bytes") long maxBytes) throws IOException {
        return ArtifactCache.open(artifacts, dir, maxBytes);
    }
}
