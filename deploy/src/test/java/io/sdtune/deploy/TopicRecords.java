package io.sdtune.deploy;

import io.sdtune.contracts.Message;
import io.sdtune.contracts.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the tests read from and write to the platform's topics directly, as another service would. */
final class TopicRecords {
    private final String bootstrapServers;

    TopicRecords(Map<String, String> platformConfig) {
        this.bootstrapServers = platformConfig.get("kafka.bootstrap.servers");
    }

    /** Every record on {@code topic} now, oldest first (one partition per topic on the embedded default). */
    List<ConsumerRecord<String, String>> all(String topic) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** The first record on {@code topic} that {@code wanted} accepts, waiting up to {@code timeout} for it. */
    ConsumerRecord<String, String> await(String topic, Predicate<ConsumerRecord<String, String>> wanted, Duration timeout)
            throws InterruptedException {
        return awaitAll(topic, records -> records.stream().anyMatch(wanted), timeout).stream().filter(wanted)
                .findFirst().orElseThrow();
    }

    /** Every record on {@code topic} once {@code done} accepts them all, waiting up to {@code timeout} for that. */
    List<ConsumerRecord<String, String>> awaitAll(String topic, Predicate<List<ConsumerRecord<String, String>>> done,
            Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            List<ConsumerRecord<String, String>> records = all(topic);
            if (done.test(records)) {
                return records;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no such records on " + topic + " within " + timeout.toSeconds() + " s");
    }

    /** The values of {@code key}'s records on {@code topic}, oldest first, decoded as the services decode them. */
    <T extends Message> List<T> values(String topic, String key, Class<T> type) {
        return all(topic).stream().filter(r -> key.equals(r.key())).map(r -> decode(r, type)).toList();
    }

    static <T extends Message> T decode(ConsumerRecord<String, String> record, Class<T> type) {
        return JsonCodec.decode(record.value().getBytes(StandardCharsets.UTF_8), type);
    }

    /**
     * Waits up to {@code timeout} until a member of consumer group {@code group} is assigned {@code topic} and the
     * group has committed every record on it: a consumer that will take the next record at once.
     */
    void awaitCaughtUp(String group, String topic, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            while (Instant.now().isBefore(deadline)) {
                if (caughtUp(admin, group, topic)) {
                    return;
                }
                Thread.sleep(250);
            }
        }
        throw new AssertionError("group " + group + " did not catch up with " + topic + " within " + timeout.toSeconds() + " s");
    }

    private static boolean caughtUp(Admin admin, String group, String topic) throws Exception {
        List<TopicPartition> assigned;
        try {
            assigned = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().members().stream()
                    .flatMap(m -> m.assignment().topicPartitions().stream()).filter(p -> p.topic().equals(topic)).toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return false; // its consumer has not joined yet
            }
            throw e;
        }
        if (assigned.isEmpty()) {
            return false;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, ListOffsetsResultInfo> end = admin.listOffsets(assigned.stream()
                .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get();
        return assigned.stream().allMatch(p -> end.get(p).offset() == 0
                || committed.get(p) != null && committed.get(p).offset() >= end.get(p).offset());
    }

    void send(String topic, String key, String value) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private KafkaConsumer<String, String> consumer() {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "platform-it-" + UUID.randomUUID());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }
}
