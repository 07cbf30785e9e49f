package io.sdtune.gateway;

import static org.junit.jupiter.api.Assertions.fail;

import io.sdtune.contracts.Message;
import io.sdtune.contracts.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** The other side of the gateway's topics, played by the test with plain Kafka clients. */
final class Broker {
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private Broker() {
    }

    /** The record keyed {@code key} on {@code topic} (one partition), waiting for it to arrive. */
    static ConsumerRecord<String, String> await(String topic, String key) {
        return await(topic, key, record -> true);
    }

    /** The first record keyed {@code key} on {@code topic} that {@code wanted} takes, waiting for it to arrive. */
    static ConsumerRecord<String, String> await(String topic, String key, Predicate<ConsumerRecord<String, String>> wanted) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config(), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key()) && wanted.test(record)) {
                        return record;
                    }
                }
            }
        }
        return fail("no record keyed " + key + " on " + topic + " within " + PATIENCE);
    }

    static void publish(String topic, Message message) {
        send(topic, message.key(), new String(JsonCodec.encode(message), StandardCharsets.UTF_8));
    }

    /** Published with the record timestamp {@code at}, as if written then. */
    static void publish(String topic, Message message, Instant at) {
        send(new ProducerRecord<>(topic, null, at.toEpochMilli(), message.key(),
                new String(JsonCodec.encode(message), StandardCharsets.UTF_8)));
    }

    static void send(String topic, String key, String value) {
        send(new ProducerRecord<>(topic, key, value));
    }

    private static void send(ProducerRecord<String, String> record) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config(), new StringSerializer(),
                new StringSerializer())) {
            producer.send(record).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("cannot publish on " + record.topic(), e);
        }
    }

    /** Polls {@code condition} until it holds, for what the gateway consumes asynchronously. */
    static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + " within " + PATIENCE);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static Properties config() {
        Properties properties = new Properties();
        properties.putAll(Map.of("bootstrap.servers",
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)));
        return properties;
    }
}
