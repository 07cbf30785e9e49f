package io.sdtune.embedded.kafka;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * A topic the local broker creates at start: its name, partition count, and whether it is
 * compacted (keeps the last record per key, as {@code adapters} does) or deletes by retention.
 */
public record Topic(String name, int partitions, boolean compact) {

    public Topic {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A topic needs a name, found '" + name + "'");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "Topic " + name + " needs at least 1 partition, found " + partitions);
        }
    }

    public static Topic of(String name, int partitions) {
        return new Topic(name, partitions, false);
    }

    public static Topic compacted(String name, int partitions) {
        return new Topic(name, partitions, true);
    }

    NewTopic toNewTopic() {
        String policy = compact ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE;
        // One broker, so one replica.
        return new NewTopic(name, partitions, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, policy));
    }
}
