package io.sdtune.deploy;

import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoreConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The platform as {@code bin/sdtune} runs it (the tiny base model, CPU, a data dir of its own under
 * {@code target/it/}, a free port), with what the tests reach it through from outside: the gateway's API, the
 * topics and the store.
 */
record RunningPlatform(Platform platform, GatewayClient gateway, TopicRecords topics, ObjectStore objects,
        ArtifactStore artifacts) implements AutoCloseable {

    static RunningPlatform start(String dataDirPrefix) throws IOException {
        Path home = Path.of(System.getProperty("sdtune.home", "..")).toAbsolutePath();
        Platform platform = Platform.start(new Platform.Options(home, TestDirectories.create(dataDirPrefix),
                Platform.freePort(), "cpu", BaseModel.TINY), System.out::println);
        Map<String, String> config = platform.infrastructure().config();
        ObjectStore objects = ObjectStore.open(new StoreConfig(config.get("sdtune.store.endpoint"),
                config.get("sdtune.store.access-key"), config.get("sdtune.store.secret-key"),
                config.get("sdtune.store.bucket")));
        return new RunningPlatform(platform, new GatewayClient(platform.gateway()), new TopicRecords(config), objects,
                new ArtifactStore(objects));
    }

    @Override
    public void close() throws IOException {
        try {
            objects.close();
        } finally {
            platform.close();
        }
    }
}
