package io.sdtune.trainer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.embedded.EmbeddedPlatform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Kafka broker with every topic of the contracts and a real S3 server for the app under test, and
 * a folder of its own for their data, the model cache and the jobs.
 */
public class EmbeddedPlatformResource implements QuarkusTestResourceLifecycleManager {
    /** The one running for the test class (restrictToAnnotatedClass): its tests stop and start the store. */
    private static EmbeddedPlatform platform;
    private Path local;

    @Override
    public Map<String, String> start() {
        try {
            local = Files.createTempDirectory("sdtune-trainer-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Over a folder of its own, so that a test can stop the store and start it again on its objects.
        platform = EmbeddedPlatform.start(local.resolve("platform"));
        Map<String, String> config = new HashMap<>(platform.config());
        config.put("sdtune.cache.dir", local.resolve("cache").toString());
        config.put("sdtune.trainer.work-dir", local.resolve("jobs").toString());
        return config;
    }

    static EmbeddedPlatform platform() {
        return platform;
    }

    @Override
    public void stop() {
        if (platform != null) {
            platform.close();
        }
        if (local != null) {
            try (Stream<Path> walk = Files.walk(local)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
