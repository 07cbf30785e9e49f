package io.sdtune.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.contracts.Topics;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void itsStoreAndBrokerStopAndStartAgainAtTheSameAddresses(@TempDir Path directory) throws Exception {
        try (EmbeddedPlatform platform = EmbeddedPlatform.start(directory)) {
            Map<String, String> config = platform.config();

            platform.stopStore();
            platform.stopBroker();
            assertThat(platform.config()).isEqualTo(config);
            assertThatThrownBy(() -> connect(config.get("sdtune.store.endpoint"))).isInstanceOf(ConnectException.class);
            assertThatThrownBy(() -> connect("http://" + config.get("kafka.bootstrap.servers")))
                    .isInstanceOf(ConnectException.class);

            platform.startStore();
            platform.startBroker();
            assertThat(platform.config()).isEqualTo(config);
            connect(config.get("sdtune.store.endpoint"));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    config.get("kafka.bootstrap.servers")))) {
                assertThat(admin.listTopics().names().get()).containsAll(Topics.all());
            }
        }
    }

    @Test
    void overTemporaryDirectoriesNothingIsStoppedThatCouldNotStartAgain() throws Exception {
        try (EmbeddedPlatform platform = EmbeddedPlatform.start()) {
            assertThatThrownBy(platform::stopStore).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("its data would go with it");
            assertThatThrownBy(platform::stopBroker).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("its data would go with it");
            connect(platform.config().get("sdtune.store.endpoint"));
            connect("http://" + platform.config().get("kafka.bootstrap.servers"));
        }
    }

    /** Opens a TCP connection to the address of {@code url}: refused while its server is stopped. */
    private static void connect(String url) throws Exception {
        URI address = URI.create(url);
        new Socket(address.getHost(), address.getPort()).close();
    }
}
