package io.sdtune.generator;

import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoreConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** One object store client for the whole service (building one is slow; it is thread-safe) and the local cache. */
@ApplicationScoped
public class StoreProducer {

    @Produces
    @Singleton
    ObjectStore objectStore(@ConfigProperty(name = "sdtune.store.endpoint") String endpoint,
            @ConfigProperty(name = "sdtune.store.access-key") String accessKey,
            @ConfigProperty(name = "sdtune.store.secret-key") String secretKey,
            @ConfigProperty(name = "sdtune.store.bucket") String bucket) throws IOException {
        return ObjectStore.open(new StoreConfig(endpoint, accessKey, secretKey, bucket));
    }

    void close(@Disposes ObjectStore store) throws IOException {
        store.close();
    }

    @Produces
    @Singleton
    ArtifactStore artifactStore(ObjectStore objects) {
        return new ArtifactStore(objects);
    }

    @Produces
    @Singleton
    ArtifactCache artifactCache(ArtifactStore artifacts, @ConfigProperty(name = "sdtune.cache.dir") Path dir,
            @ConfigProperty(name = "sdtune.cache.max-bytes") long maxBytes) throws IOException {
        return ArtifactCache.open(artifacts, dir, maxBytes);
    }
}
