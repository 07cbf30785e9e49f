package io.sdtune.gateway.store;

import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoreConfig;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** One object store client for the whole gateway: it is thread-safe and slow to build (storage/README.md). */
@Singleton
public class Stores {

    @Produces
    @Singleton
    ObjectStore objectStore(@ConfigProperty(name = "sdtune.store.endpoint") String endpoint,
            @ConfigProperty(name = "sdtune.store.access-key") String accessKey,
            @ConfigProperty(name = "sdtune.store.secret-key") String secretKey,
            @ConfigProperty(name = "sdtune.store.bucket") String bucket) throws IOException {
        return ObjectStore.open(new StoreConfig(endpoint, accessKey, secretKey, bucket));
    }

    void close(@Disposes ObjectStore objects) throws IOException {
        objects.close();
    }

    @Produces
    @Singleton
    ArtifactStore artifactStore(ObjectStore objects) {
        return new ArtifactStore(objects);
    }
}
