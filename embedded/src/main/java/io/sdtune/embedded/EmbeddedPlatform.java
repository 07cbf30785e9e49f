package io.sdtune.embedded;

import io.sdtune.contracts.Topics;
import io.sdtune.embedded.kafka.LocalKafka;
import io.sdtune.embedded.kafka.Topic;
import io.sdtune.embedded.s3.LocalS3;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A broker with every topic of the contracts and an object store for the services, started together: what
 * the embedded default and the services' tests run against. {@link #config()} is what a service needs to reach them, under the
 * configuration names the services read.
 */
public final class EmbeddedPlatform implements AutoCloseable {
    public static final String BUCKET = "sdtune";
    private static final String ACCESS_KEY = "sdtune";
    private static final SecureRandom RANDOM = new SecureRandom();

    // Replaced when stopped and started again (an outage dealt by a test); the addresses stay the same.
    private volatile LocalKafka kafka;
    private volatile LocalS3 s3;
    private final boolean keepsData;

    private EmbeddedPlatform(LocalKafka kafka, LocalS3 s3, boolean keepsData) {
        this.kafka = kafka;
        this.s3 = s3;
        this.keepsData = keepsData;
    }

    /** Both on free ports over temporary directories. */
    public static EmbeddedPlatform start() {
        return start(LocalS3.start(ACCESS_KEY, newSecretKey()), LocalKafka.builder().topics(topics()), false);
    }

    /** Both keeping their data under {@code directory} ({@code kafka/}, {@code s3/}), on free ports. */
    public static EmbeddedPlatform start(Path directory) {
        return start(LocalS3.start(directory.resolve("s3"), 0, ACCESS_KEY, newSecretKey()),
                LocalKafka.builder().dataDirectory(directory.resolve("kafka")).topics(topics()), true);
    }

    /**
     * A secret key of this start only: the S3 server listens on this machine, where any user could otherwise sign
     * with a key written in this source. The services get it with the rest of {@link #config()}.
     */
    private static String newSecretKey() {
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** Every topic of the contracts, one partition each (one broker, one machine). */
    static List<Topic> topics() {
        return Topics.all().stream()
                .map(name -> Topics.isCompacted(name) ? Topic.compacted(name, 1) : Topic.of(name, 1))
                .toList();
    }

    private static EmbeddedPlatform start(LocalS3 s3, LocalKafka.Builder kafka, boolean keepsData) {
        try {
            return new EmbeddedPlatform(kafka.start(), s3, keepsData);
        } catch (RuntimeException e) {
            s3.close();
            throw e;
        }
    }

    /**
     * {@code kafka.bootstrap.servers} and the object store's {@code sdtune.store.endpoint},
     * {@code sdtune.store.access-key}, {@code sdtune.store.secret-key} and {@code sdtune.store.bucket}.
     */
    public Map<String, String> config() {
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "sdtune.store.endpoint", s3.endpoint(),
                "sdtune.store.access-key", s3.accessKey(),
                "sdtune.store.secret-key", s3.secretKey(),
                "sdtune.store.bucket", BUCKET);
    }

    /**
     * Stops the S3 server, as an outage: its port refuses connections until {@link #startStore()}. The objects
     * stay in the directory given to {@link #start(Path)}; a platform over temporary directories has none to keep,
     * and cannot stop its store.
     */
    public synchronized void stopStore() {
        requireKeptData("store");
        s3.close();
    }

    /** Starts the stopped S3 server again, on its port over its objects: {@link #config()} is unchanged. */
    public synchronized void startStore() {
        s3 = s3.startAgain();
    }

    /**
     * Stops the broker, as an outage: its port refuses connections until {@link #startBroker()}. Its log stays in
     * the directory given to {@link #start(Path)}; a platform over temporary directories cannot stop its broker.
     */
    public synchronized void stopBroker() {
        requireKeptData("broker");
        kafka.close();
    }

    /** Starts the stopped broker again, on its ports over its log (topics, records, offsets): {@link #config()} is unchanged. */
    public synchronized void startBroker() {
        kafka = kafka.startAgain();
    }

    /** Refused before anything stops: closing a server deletes its temporary directory, data and all. */
    private void requireKeptData(String server) {
        if (!keepsData) {
            throw new IllegalStateException("the " + server + " of a platform over temporary directories cannot be "
                    + "stopped and started again: its data would go with it (start the platform over a directory)");
        }
    }

    public LocalKafka kafka() {
        return kafka;
    }

    public LocalS3 s3() {
        return s3;
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            s3.close();
        }
    }
}
