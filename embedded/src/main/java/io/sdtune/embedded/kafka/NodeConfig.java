package io.sdtune.embedded.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * The server properties of a single Kafka node in KRaft mode that is both broker and
 * controller, listening on loopback only.
 *
 * <p>The controller quorum is the static {@code controller.quorum.voters} list (this one node)
 * rather than a dynamic one formatted with {@code --standalone}: the voters are read from the
 * configuration at each start, so nothing about ports is kept in the log directory and a restart
 * may pick other ones.
 */
record NodeConfig(Path logDirectory, int brokerPort, int controllerPort, Duration startupTimeout) {

    static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";

    String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    Properties properties() {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(NODE_ID));
        p.setProperty("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + bootstrapServers());
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", logDirectory.toString());
        // Without a deadline a broker that never catches up with its controller waits forever.
        p.setProperty("server.max.startup.time.ms", Long.toString(startupTimeout.toMillis()));

        // Internal topics: one replica (one node) and one partition each instead of 50, which
        // would cost seconds and hundreds of files at the first consumer group or transaction.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.num.partitions", "1");

        // No other consumer is coming: a new group need not wait 3 s for one.
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // The cleaner of compacted topics allocates this on the heap; 128 MiB by default.
        p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        return p;
    }
}
