package io.sdtune.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.embedded.EmbeddedPlatform;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real Kafka broker and a real S3 server for the gateway under test, with every topic of the contracts, and the
 * tiny model (diffusion's TinyModel, seed 0) published as the base model {@value #TINY}, which adapters are imported
 * for and converted against. The profile's default base model is not in the store.
 */
public class Platform implements QuarkusTestResourceLifecycleManager {
    static final String TINY = "tiny";

    private EmbeddedPlatform platform;

    @Override
    public Map<String, String> start() {
        platform = EmbeddedPlatform.start();
        Map<String, String> config = platform.config();
        try {
            Path model = Files.createTempDirectory("sdtune-gateway-test").resolve(TINY);
            TinyModel.write(model, false, DType.FLOAT32, 0, component -> { });
            try (ObjectStore objects = ObjectStore.open(new StoreConfig(config.get("sdtune.store.endpoint"),
                    config.get("sdtune.store.access-key"), config.get("sdtune.store.secret-key"),
                    config.get("sdtune.store.bucket")))) {
                new ArtifactStore(objects).publish(Shelf.MODELS.at(TINY), "BASE_MODEL", ArtifactFile.allIn(model), Map.of());
            }
        } catch (Exception e) {
            platform.close();
            throw new IllegalStateException("cannot publish the tiny base model: " + e.getMessage(), e);
        }
        return config;
    }

    @Override
    public void stop() {
        platform.close();
    }
}
