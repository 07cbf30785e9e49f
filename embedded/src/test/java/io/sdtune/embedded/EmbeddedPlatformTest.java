package io.sdtune.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Topics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

class EmbeddedPlatformTest {

    @Test
    void startsABrokerWithEveryTopicOfTheContractsAndAStoreAndSaysHowToReachThem() throws Exception {
        try (EmbeddedPlatform platform = EmbeddedPlatform.start()) {
            Map<String, String> config = platform.config();

            assertThat(config).containsKeys("kafka.bootstrap.servers", "sdtune.store.endpoint", "sdtune.store.access-key",
                    "sdtune.store.secret-key", "sdtune.store.bucket");
            assertThat(config.get("sdtune.store.endpoint")).isEqualTo(platform.s3().endpoint());
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    config.get("kafka.bootstrap.servers")))) {
                Set<String> topics = admin.listTopics().names().get();
                assertThat(topics).containsAll(Topics.all()).contains("adapters", "training.requests.dlq");
                assertThat(admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "adapters")))
                        .all().get().values().iterator().next().get("cleanup.policy").value()).isEqualTo("compact");
            }
        }
    }
}
