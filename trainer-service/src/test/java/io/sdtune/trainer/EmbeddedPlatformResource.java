package io.sdtune.trainer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.contracts.Topics;
import io.sdtune.embedded.EmbeddedPlatform;
import io.sdtune.embedded.kafka.Topic;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real Kafka broker with every topic of the contracts and a real S3 server, for the app under test. */
public class EmbeddedPlatformResource implements QuarkusTestResourceLifecycleManager {
    private EmbeddedPlatform platform;

    @Override
    public Map<String, String> start() {
        platform = EmbeddedPlatform.start(List.of(
                Topic.of(Topics.TRAINING_REQUESTS, 2),
                Topic.of(Topics.TRAINING_CANCELLATIONS, 1),
                Topic.of(Topics.TRAINING_EVENTS, 2),
                Topic.compacted(Topics.ADAPTERS, 1),
                Topic.of(Topics.GENERATION_REQUESTS, 1),
                Topic.of(Topics.GENERATION_RESULTS, 1),
                Topic.of(Topics.TRAINING_REQUESTS_DLQ, 1),
                Topic.of(Topics.TRAINING_CANCELLATIONS_DLQ, 1),
                Topic.of(Topics.GENERATION_REQUESTS_DLQ, 1)));
        return new HashMap<>(platform.config());
    }

    @Override
    public void stop() {
        if (platform != null) {
            platform.close();
        }
    }
}
