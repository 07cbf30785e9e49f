package io.sdtune.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaTest {

    private static final Topic REQUESTS = Topic.of("training.requests", 3);
    private static final Topic ADAPTERS = Topic.compacted("adapters", 1);

    @Test
    void keyedRecordsGoThroughANormalAndACompactedTopic() throws Exception {
        try (LocalKafka kafka = LocalKafka.builder().topic(REQUESTS).topic(ADAPTERS).start()) {
            Clients.send(kafka.bootstrapServers(), REQUESTS.name(),
                    List.of(Map.entry("job-1", "lora"), Map.entry("job-2", "dreambooth")));
            Clients.send(kafka.bootstrapServers(), ADAPTERS.name(),
                    List.of(Map.entry("adapter-1", "v1"), Map.entry("adapter-1", "v2")));

            assertThat(Clients.read(kafka.bootstrapServers(), REQUESTS.name(), 2))
                    .extracting(ConsumerRecord::key, ConsumerRecord::value)
                    .containsExactlyInAnyOrder(tuple("job-1", "lora"), tuple("job-2", "dreambooth"));
            assertThat(Clients.read(kafka.bootstrapServers(), ADAPTERS.name(), 2))
                    .extracting(ConsumerRecord::value).containsExactly("v1", "v2");
            assertThat(Clients.cleanupPolicy(kafka.bootstrapServers(), ADAPTERS.name())).isEqualTo("compact");
            assertThat(Clients.cleanupPolicy(kafka.bootstrapServers(), REQUESTS.name())).isEqualTo("delete");
        }
    }

    @Test
    void aRestartOnTheSameDirectoryReadsWhatWasWrittenBefore(@TempDir Path data) throws Exception {
        try (LocalKafka kafka = LocalKafka.builder().dataDirectory(data).topic(ADAPTERS).start()) {
            Clients.send(kafka.bootstrapServers(), ADAPTERS.name(), List.of(Map.entry("adapter-1", "v1")));
        }

        try (LocalKafka kafka = LocalKafka.builder().dataDirectory(data).topic(ADAPTERS).start()) {
            Clients.send(kafka.bootstrapServers(), ADAPTERS.name(), List.of(Map.entry("adapter-2", "v1")));

            assertThat(Clients.read(kafka.bootstrapServers(), ADAPTERS.name(), 2))
                    .extracting(ConsumerRecord::key).containsExactly("adapter-1", "adapter-2");
        }
    }

    @Test
    void startAgainIsTheSameNodeOnItsPortsWithItsRecords(@TempDir Path data) throws Exception {
        LocalKafka first = LocalKafka.builder().dataDirectory(data).topic(ADAPTERS).start();
        Clients.send(first.bootstrapServers(), ADAPTERS.name(), List.of(Map.entry("adapter-1", "v1")));
        first.close();

        try (LocalKafka again = first.startAgain()) {
            assertThat(again.bootstrapServers()).isEqualTo(first.bootstrapServers());
            Clients.send(again.bootstrapServers(), ADAPTERS.name(), List.of(Map.entry("adapter-2", "v1")));
            assertThat(Clients.read(again.bootstrapServers(), ADAPTERS.name(), 2))
                    .extracting(ConsumerRecord::key).containsExactly("adapter-1", "adapter-2");
        }
    }

    @Test
    void aTemporaryNodeCannotStartAgain() {
        LocalKafka kafka = LocalKafka.builder().start();
        kafka.close();

        assertThatThrownBy(kafka::startAgain).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("its temporary data directory was deleted");
    }

    @Test
    void closeFreesThePortsAndDeletesTheTemporaryDirectory() throws IOException {
        int[] ports = LoopbackPorts.free(2);
        LocalKafka kafka = LocalKafka.builder().brokerPort(ports[0]).controllerPort(ports[1]).start();
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + ports[0]);

        kafka.close();
        kafka.close();

        assertThat(kafka.dataDirectory()).doesNotExist();
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(socket.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void aBrokerPortInUseIsAnExceptionWithTheReason(@TempDir Path data) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> LocalKafka.builder().dataDirectory(data).brokerPort(taken.getLocalPort()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Kafka did not start on 127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("Address already in use");
        }
        assertThat(Files.list(data)).isNotEmpty();
    }

    @Test
    void aControllerPortInUseIsAnExceptionWithTheReason() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> LocalKafka.builder().controllerPort(taken.getLocalPort()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Address already in use");
        }
    }

    @Test
    void aSecondBrokerOnADirectoryInUseFailsWithTheReasonAndTheFirstServesOn(@TempDir Path data) throws Exception {
        try (LocalKafka first = LocalKafka.builder().dataDirectory(data).topic(ADAPTERS).start()) {
            assertThatThrownBy(() -> LocalKafka.builder().dataDirectory(data).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(data + " is in use by another LocalKafka");

            Clients.send(first.bootstrapServers(), ADAPTERS.name(), List.of(Map.entry("adapter-1", "v1")));
            assertThat(Clients.read(first.bootstrapServers(), ADAPTERS.name(), 1)).hasSize(1);
        }
    }
}
