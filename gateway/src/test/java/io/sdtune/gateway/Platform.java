package io.sdtune.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.embedded.EmbeddedPlatform;
import java.util.Map;

/** A real Kafka broker and a real S3 server for the gateway under test, with every topic of the contracts. */
public class Platform implements QuarkusTestResourceLifecycleManager {
    private EmbeddedPlatform platform;

    @Override
    public Map<String, String> start() {
        platform = EmbeddedPlatform.start();
        return platform.config();
    }

    @Override
    public void stop() {
        platform.close();
    }
}
