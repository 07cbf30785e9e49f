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
import java.util.Optional;
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
    ObjectStore objectStore(@ConfigProperty(name = "sdtune.store.endpoint") String endpoint,
            @ConfigProperty(name = "sdtune.store.access-key") String accessKey,
            @ConfigProperty(name = "sdtune.store.secret-key") String secretKey,
            @ConfigProperty(name = "sdtune.store.bucket") String bucket,
            @ConfigProperty(name = "sdtune.store.retry.initial-delay") Optional<Duration> initialDelay,
            @ConfigProperty(name = "sdtune.store.retry.max-delay") Optional<Duration> maxDelay,
            @ConfigProperty(name = "sdtune.store.retry.max-duration") Optional<Duration> maxDuration)
            throws IOException {
        StoreRetry retry = new StoreRetry(initialDelay.orElse(StoreRetry.DEFAULT.initialDelay()),
                maxDelay.orElse(StoreRetry.DEFAULT.maxDelay()), maxDuration.orElse(StoreRetry.DEFAULT.maxDuration()));
        return ObjectStore.open(new StoreConfig(endpoint, accessKey, secretKey, bucket).withRetry(retry));
    }

    void close(@Disposes ObjectStore objects) throws IOException {
        objects.close();
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
