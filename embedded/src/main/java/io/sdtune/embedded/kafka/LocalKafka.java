package io.sdtune.embedded.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.Server;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Kafka cluster in KRaft mode - one node that is both broker and controller -
 * running inside this JVM from the kafka_2.13 jars: the embedded default of the all-in-one
 * launcher and of the end-to-end tests. It listens on loopback only.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.builder().topic(Topic.compacted("adapters", 1)).start()) {
 *     producerProperties.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 */
public final class LocalKafka implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final NodeConfig config;
    private final DataDirectory data;
    private final Server server;
    private final List<Topic> topics;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalKafka(NodeConfig config, DataDirectory data, Server server, List<Topic> topics) {
        this.config = config;
        this.data = data;
        this.server = server;
        this.topics = topics;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port} of the broker's listener, for the clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return config.bootstrapServers();
    }

    /** The directory holding {@code server.properties} and the log directory {@code log/}. */
    public Path dataDirectory() {
        return data.root();
    }

    /**
     * The same node started again after {@link #close()}: its ports and its data directory (not formatted again),
     * so clients reconnect to the same address and find their topics, records and committed offsets, as after a
     * restart of a real broker. Not for a temporary directory, which {@code close()} deleted.
     */
    public LocalKafka startAgain() {
        if (data.deletedOnClose()) {
            throw new IllegalStateException("the Kafka broker over " + data.root()
                    + " cannot start again: its temporary data directory was deleted when it closed");
        }
        return start(DataDirectory.at(data.root()), config.brokerPort(), config.controllerPort(), topics);
    }

    /** Shuts the broker down, freeing its ports and its data directory; deletes a temporary one. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            data.close();
        }
    }

    private static LocalKafka start(DataDirectory data, int brokerPort, int controllerPort, List<Topic> topics) {
        KafkaExit.keepJvmRunning();
        NodeConfig config = new NodeConfig(data.logs(), brokerPort, controllerPort, STARTUP_TIMEOUT);
        LocalKafka kafka = null;
        try {
            data.prepare(config);
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config.properties(), false), Time.SYSTEM);
            kafka = new LocalKafka(config, data, server, topics);
            KafkaExit.duringStartup(server::startup);
            kafka.awaitClientsAndCreate(topics);
            return kafka;
        } catch (RuntimeException e) {
            IllegalStateException failure = new IllegalStateException("Kafka did not start on "
                    + config.bootstrapServers() + " (controller port " + controllerPort + ", data "
                    + data.root() + "): " + reason(e), e);
            try {
                if (kafka != null) {
                    kafka.close();
                } else {
                    data.close();
                }
            } catch (RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
    }

    /** The messages down the cause chain: Kafka wraps the telling one (a bind failure, say) deep. */
    private static String reason(Throwable failure) {
        StringBuilder reason = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && reason.indexOf(message) < 0) {
                reason.append(reason.length() == 0 ? "" : ": ").append(message);
            }
        }
        return reason.length() == 0 ? failure.toString() : reason.toString();
    }

    /** Waits until the broker answers an admin client, then creates the topics it lacks. */
    private void awaitClientsAndCreate(List<Topic> topics) {
        long timeoutMs = STARTUP_TIMEOUT.toMillis();
        Map<String, Object> adminConfig = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        try (Admin admin = Admin.create(adminConfig)) {
            admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            // A restart on the same data directory finds the topics of the last run.
            Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topic topic : topics) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic.toNewTopic());
                }
            }
            admin.createTopics(missing).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("The admin client failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("No answer to an admin client within " + STARTUP_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the broker", e);
        }
    }

    /** What to start: ports and data directory default to free ports and a temporary directory. */
    public static final class Builder {

        private Path dataDirectory;
        private int brokerPort;
        private int controllerPort;
        private final List<Topic> topics = new ArrayList<>();

        private Builder() {
        }

        /** Keep the data here, so that it survives a restart; by default a temporary directory. */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory;
            return this;
        }

        /** The clients' port; by default a free one. */
        public Builder brokerPort(int port) {
            this.brokerPort = port;
            return this;
        }

        /** The KRaft controller's port; by default a free one. */
        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        public Builder topic(Topic topic) {
            topics.add(topic);
            return this;
        }

        public Builder topics(Collection<Topic> more) {
            topics.addAll(more);
            return this;
        }

        /** Formats the data directory if new, starts the broker and creates the missing topics. */
        public LocalKafka start() {
            int[] free = brokerPort == 0 || controllerPort == 0 ? LoopbackPorts.free(2) : null;
            return LocalKafka.start(
                    dataDirectory == null ? DataDirectory.temporary() : DataDirectory.at(dataDirectory),
                    brokerPort == 0 ? free[0] : brokerPort,
                    controllerPort == 0 ? free[1] : controllerPort,
                    List.copyOf(topics));
        }
    }
}
