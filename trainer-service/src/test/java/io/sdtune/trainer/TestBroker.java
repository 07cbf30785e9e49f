package io.sdtune.trainer;

import io.sdtune.contracts.Topics;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.contracts.training.TrainingEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** The test's side of the broker, with plain kafka-clients: send a record, read a key's records from the start. */
final class TestBroker {
    private TestBroker() {
    }

    static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    static RecordMetadata send(String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /**
     * The values of {@code key} on {@code topic}, in order, once {@code until} holds for them; fails after
     * {@code timeout}. A job's records share a key, so they are in one partition, in order.
     */
    static List<String> await(String topic, String key, Predicate<List<String>> until, Duration timeout) {
        return awaitRecords(topic, key, records -> until.test(values(records)), timeout).stream()
                .map(ConsumerRecord::value).toList();
    }

    /** A job's training events, in order, up to the first of type {@code last}; fails after {@code timeout}. */
    static List<TrainingEvent> trainingEvents(String jobId, Class<? extends TrainingEvent> last, Duration timeout) {
        return decode(await(Topics.TRAINING_EVENTS, jobId, values -> decode(values).stream().anyMatch(last::isInstance),
                timeout));
    }

    static List<TrainingEvent> decode(List<String> values) {
        return values.stream().map(v -> JsonCodec.decode(v.getBytes(StandardCharsets.UTF_8), TrainingEvent.class))
                .toList();
    }

    /** The same, of the whole records (headers included). */
    static List<ConsumerRecord<String, String>> awaitRecords(String topic, String key,
            Predicate<List<ConsumerRecord<String, String>>> until, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        records.add(r);
                    }
                }
                if (until.test(records)) {
                    return records;
                }
            }
            throw new AssertionError("after " + timeout + ", " + topic + " holds for key " + key + " only: "
                    + values(records));
        }
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** The committed offsets of {@code group} on {@code topic}, by partition. */
    static Map<Integer, Long> committed(String group, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toSet());
            return consumer.committed(partitions).entrySet().stream().filter(e -> e.getValue() != null)
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        }
    }
}
