package io.sdtune.embedded;

import io.sdtune.contracts.Topics;
import io.sdtune.embedded.kafka.LocalKafka;
import io.sdtune.embedded.kafka.Topic;
import io.sdtune.embedded.s3.LocalS3;
import java.nio.file.Path;
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
    private static final String SECRET_KEY = "sdtune-local-secret";

    private final LocalKafka kafka;
    private final LocalS3 s3;

    private EmbeddedPlatform(LocalKafka kafka, LocalS3 s3) {
        this.kafka = kafka;
        this.s3 = s3;
    }

    /** Both on free ports over temporary directories. */
    public static EmbeddedPlatform start() {
        return start(LocalS3.start(ACCESS_KEY, SECRET_KEY), LocalKafka.builder().topics(topics()));
    }

    /** Both keeping their data under {@code directory} ({@code kafka/}, {@code s3/}), on free ports. */
    public static EmbeddedPlatform start(Path directory) {
        return start(LocalS3.start(directory.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY),
                LocalKafka.builder().dataDirectory(directory.resolve("kafka")).topics(topics()));
    }

    /** Every topic of the contracts, one partition each (one broker, one machine). */
    static List<Topic> topics() {
        return Topics.all().stream()
                .map(name -> Topics.isCompacted(name) ? Topic.compacted(name, 1) : Topic.of(name, 1))
                .toList();
    }

    private static EmbeddedPlatform start(LocalS3 s3, LocalKafka.Builder kafka) {
        try {
            return new EmbeddedPlatform(kafka.start(), s3);
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
