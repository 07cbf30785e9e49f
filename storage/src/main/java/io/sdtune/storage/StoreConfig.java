package io.sdtune.storage;

import java.util.Objects;

/**
 * How to reach the object store: an S3 endpoint such as {@code http://127.0.0.1:9000}, credentials, the one
 * bucket that holds everything, its region (set, so the client never asks the server for it), and how long an
 * operation that failed for a passing reason is tried again.
 */
public record StoreConfig(String endpoint, String accessKey, String secretKey, String bucket, String region,
        StoreRetry retry) {
    public static final String DEFAULT_REGION = "us-east-1";

    public StoreConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(retry, "retry");
    }

    public StoreConfig(String endpoint, String accessKey, String secretKey, String bucket) {
        this(endpoint, accessKey, secretKey, bucket, DEFAULT_REGION, StoreRetry.DEFAULT);
    }

    public StoreConfig withRetry(StoreRetry retry) {
        return new StoreConfig(endpoint, accessKey, secretKey, bucket, region, retry);
    }

    /** Leaves the secret out, so a logged config gives nothing away. */
    @Override
    public String toString() {
        return "StoreConfig[endpoint=" + endpoint + ", accessKey=" + accessKey + ", bucket=" + bucket + ", region="
                + region + ", retry=" + retry + "]";
    }
}
