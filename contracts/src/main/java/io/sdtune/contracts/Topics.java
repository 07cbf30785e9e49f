package io.sdtune.contracts;

import java.util.List;
import java.util.stream.Stream;

/**
 * The Kafka topics, what each holds and what its records are keyed by. Delivery is at least once: every
 * consumer is idempotent on the key.
 */
public final class Topics {
    private Topics() {
    }

    /** {@code TrainingRequest}, key job id. */
    public static final String TRAINING_REQUESTS = "training.requests";
    /**
     * {@code TrainingCancellation}, key job id. A topic of its own, not a record on {@link #TRAINING_REQUESTS}:
     * the trainer running a job reads it while that job holds the request partition.
     */
    public static final String TRAINING_CANCELLATIONS = "training.cancellations";
    /** {@code TrainingEvent}, key job id, so a job's events stay in order. */
    public static final String TRAINING_EVENTS = "training.events";
    /** {@code AdapterAnnouncement}, key adapter id; compacted: the latest announcement of each adapter stays. */
    public static final String ADAPTERS = "adapters";
    /** {@code GenerationRequest}, key its first adapter's id (else the base model's), so one generator keeps it warm. */
    public static final String GENERATION_REQUESTS = "generation.requests";
    /** {@code GenerationResult}, key request id. */
    public static final String GENERATION_RESULTS = "generation.results";
    /**
     * {@code ApiKey}, key its key id; compacted: the latest record of each key stays, and a tombstone revokes it.
     * Every gateway reads it from its beginning, so all accept the same keys.
     */
    public static final String API_KEYS = "api.keys";

    /** Appended to a topic's name to name its dead-letter topic, which holds {@code DeadLetter}s keyed as the original. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";
    public static final String TRAINING_REQUESTS_DLQ = TRAINING_REQUESTS + DEAD_LETTER_SUFFIX;
    public static final String TRAINING_CANCELLATIONS_DLQ = TRAINING_CANCELLATIONS + DEAD_LETTER_SUFFIX;
    public static final String GENERATION_REQUESTS_DLQ = GENERATION_REQUESTS + DEAD_LETTER_SUFFIX;

    /** The topics the services exchange messages on. */
    public static final List<String> MESSAGES = List.of(TRAINING_REQUESTS, TRAINING_CANCELLATIONS, TRAINING_EVENTS,
            ADAPTERS, GENERATION_REQUESTS, GENERATION_RESULTS, API_KEYS);

    /** The dead-letter topic of {@code topic}; the request topics' are also constants above. */
    public static String deadLetterOf(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }

    /** Every topic of the platform: each of {@link #MESSAGES}, then their dead-letter topics (each reader has one). */
    public static List<String> all() {
        return Stream.concat(MESSAGES.stream(), MESSAGES.stream().map(Topics::deadLetterOf)).toList();
    }

    /**
     * Whether {@code topic} keeps the latest record of each key rather than every record: {@link #ADAPTERS} and
     * {@link #API_KEYS}, which hold what exists rather than what happened.
     */
    public static boolean isCompacted(String topic) {
        return ADAPTERS.equals(topic) || API_KEYS.equals(topic);
    }
}
