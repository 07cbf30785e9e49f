package io.sdtune.storage;

import java.time.Duration;
import java.util.Objects;

/**
 * How long an operation that failed for a passing reason (the server unreachable or answering 5xx, a
 * connection cut) is tried again: after {@code initialDelay}, doubling up to {@code maxDelay} between tries,
 * until {@code maxDuration} has passed since the first try. A refusal (no such key, access denied, a failed
 * condition) is never tried again. {@link #NONE} tries once.
 */
public record StoreRetry(Duration initialDelay, Duration maxDelay, Duration maxDuration) {
    /** Rides out a restart of the store or a short outage: tries for 2 minutes, at most 15 s apart. */
    public static final StoreRetry DEFAULT = new StoreRetry(Duration.ofMillis(500), Duration.ofSeconds(15),
            Duration.ofMinutes(2));
    public static final StoreRetry NONE = new StoreRetry(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    public StoreRetry {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(maxDuration, "maxDuration");
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0 || maxDuration.isNegative()) {
            throw new IllegalArgumentException("a store retry needs 0 <= initialDelay <= maxDelay and maxDuration >= 0,"
                    + " got " + this);
        }
    }

    boolean retries() {
        return !maxDuration.isZero();
    }
}
