package io.sdtune.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.contracts.Topics;
import io.sdtune.embedded.EmbeddedPlatform;
import io.sdtune.embedded.kafka.Topic;
import java.util.List;
import java.util.Map;

/** A real Kafka broker and a real S3 server for the gateway under test, with every topic of the contracts. */
public class Platform implements QuarkusTestResourceLifecycleManager {
    private static final List<Topic> TOPICS = List.of(
            Topic.of(Topics.TRAINING_REQUESTS, 1), Topic.of(Topics.TRAINING_REQUESTS_DLQ, 1),
            Topic.of(Topics.TRAINING_CANCELLATIONS, 1), Topic.of(Topics.TRAINING_CANCELLATIONS_DLQ, 1),
            Topic.of(Topics.TRAINING_EVENTS, 1), Topic.of(Topics.deadLetterOf(Topics.TRAINING_EVENTS), 1),
            Topic.compacted(Topics.ADAPTERS, 1), Topic.of(Topics.deadLetterOf(Topics.ADAPTERS), 1),
            Topic.of(Topics.GENERATION_REQUESTS, 1), Topic.of(Topics.GENERATION_REQUESTS_DLQ, 1),
            Topic.of(Topics.GENERATION_RESULTS, 1), Topic.of(Topics.deadLetterOf(Topics.GENERATION_RESULTS), 1));

    private EmbeddedPlatform platform;

    @Override
    public Map<String, String> start() {
        platform = EmbeddedPlatform.start(TOPICS);
        return platform.config();
    }

    @Override
    public void stop() {
        platform.close();
    }
}
