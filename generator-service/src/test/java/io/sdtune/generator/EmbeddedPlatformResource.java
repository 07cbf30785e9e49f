package io.sdtune.generator;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.contracts.Topics;
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
import java.util.HashMap;
import java.util.Map;

/**
 * A real Kafka broker and a real S3 server for the service under test, with every topic of {@link Topics} and
 * the tiny model published as the base model {@value #BASE_MODEL}.
 */
public class EmbeddedPlatformResource implements QuarkusTestResourceLifecycleManager {
    static final String BASE_MODEL = "tiny";

    private EmbeddedPlatform platform;

    @Override
    public Map<String, String> start() {
        platform = EmbeddedPlatform.start();
        Map<String, String> config = new HashMap<>(platform.config());
        try {
            Path dir = Files.createTempDirectory("sdtune-generator-test");
            TinyModel.write(dir.resolve("model"), TinyModel.Architecture.TINY, DType.FLOAT32, 0, component -> { });
            try (ObjectStore objects = ObjectStore.open(new StoreConfig(config.get("sdtune.store.endpoint"),
                    config.get("sdtune.store.access-key"), config.get("sdtune.store.secret-key"),
                    config.get("sdtune.store.bucket")))) {
                new ArtifactStore(objects).publish(Shelf.MODELS.at(BASE_MODEL), "BASE_MODEL",
                        ArtifactFile.allIn(dir.resolve("model")), Map.of());
            }
            config.put("sdtune.cache.dir", dir.resolve("cache").toString());
        } catch (Exception e) {
            platform.close();
            throw new IllegalStateException("cannot publish the tiny base model: " + e.getMessage(), e);
        }
        config.put("sdtune.generator.base-model", BASE_MODEL);
        return config;
    }

    @Override
    public void stop() {
        if (platform != null) {
            platform.close();
        }
    }
}
