package io.sdtune.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.MinioException;
import io.minio.errors.ServerException;
import io.minio.errors.XmlParserException;
import io.minio.messages.Item;
import io.smallrye.faulttolerance.api.Guard;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * One bucket of an S3-compatible store, through the MinIO client: objects put with their SHA-256 computed on
 * the way up, and read back checked against it. An operation that fails for a passing reason (the server
 * unreachable or answering 5xx, a connection cut) is tried again as {@link StoreRetry} says; what is left
 * is an {@link IOException} that names the operation and the key.
 */
public final class ObjectStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ObjectStore.class.getName());
    /** No request waits longer than this for a connection or a byte: an unreachable store is a failure to retry. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_WRITE_TIMEOUT = Duration.ofSeconds(60);
    /** S3's error codes that mean "try again" rather than "no". */
    private static final Set<String> PASSING_ERROR_CODES = Set.of("InternalError", "ServiceUnavailable", "SlowDown",
            "RequestTimeout", "OperationAborted");

    private final MinioClient client;
    private final String bucket;
    private final Guard retry;

    private ObjectStore(MinioClient client, String bucket, StoreRetry retry) {
        this.client = client;
        this.bucket = bucket;
        this.retry = guard(retry);
    }

    /** Connects and creates the bucket when it is missing; safe to run from several instances at once. */
    public static ObjectStore open(StoreConfig config) throws IOException {
        MinioClient client = MinioClient.builder()
                .endpoint(config.endpoint())
                .region(config.region())
                .credentials(config.accessKey(), config.secretKey())
                .build();
        client.setTimeout(CONNECT_TIMEOUT.toMillis(), READ_WRITE_TIMEOUT.toMillis(), READ_WRITE_TIMEOUT.toMillis());
        ObjectStore store = new ObjectStore(client, config.bucket(), config.retry());
        store.createBucketIfMissing();
        return store;
    }

    public String bucket() {
        return bucket;
    }

    private void createBucketIfMissing() throws IOException {
        call("create bucket", "", () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    // Another instance created it between our check and our request.
                    if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    /**
     * Uploads exactly {@code size} bytes of {@code content} to {@code key}, in parts for large objects, hashing
     * them as they pass; a try that failed opens the content again. Content shorter or longer than {@code size}
     * fails.
     */
    public StoredFile put(String key, ArtifactFile.Content content, long size) throws IOException {
        return put(key, content, size, Map.of());
    }

    public StoredFile put(String key, byte[] bytes) throws IOException {
        return put(key, () -> new ByteArrayInputStream(bytes), bytes.length);
    }

    /**
     * Writes {@code bytes} to {@code key} only if no object is there (S3's conditional write, {@code If-None-Match:
     * *}): of several writers of one key exactly one succeeds, the others get {@link FileAlreadyExistsException}.
     */
    public StoredFile putIfAbsent(String key, byte[] bytes) throws IOException {
        return put(key, () -> new ByteArrayInputStream(bytes), bytes.length, Map.of("If-None-Match", "*"));
    }

    private StoredFile put(String key, ArtifactFile.Content content, long size, Map<String, String> headers)
            throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size of " + key + " must be 0 or more, was " + size);
        }
        return retrying(() -> {
            try (InputStream in = content.open()) {
                boolean[] ended = new boolean[1];
                Sha256InputStream hashing = new Sha256InputStream(in) {
                    @Override
                    void atEnd() {
                        ended[0] = true;
                    }
                };
                try {
                    call("put", key, () -> client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                            .stream(hashing, size, -1L).extraHeaders(headers).build()));
                } catch (StorageException e) {
                    if (ended[0] && hashing.count() < size) {
                        // The content's fault, not the store's: no use trying again.
                        throw new IOException("put " + key + ": the stream ended after " + hashing.count() + " of the "
                                + size + " bytes announced", e);
                    }
                    throw e;
                }
                // The client reads one byte past each part to find the end, so a longer stream shows in the count.
                if (hashing.count() != size) {
                    throw new IOException("put " + key + ": the stream had more than the " + size + " bytes announced");
                }
                return new StoredFile(key, hashing.sha256(), size);
            }
        });
    }

    /**
     * The object's bytes as stored, unchecked; {@link NoSuchFileException} when there is none. A read that the
     * connection cuts off fails with a passing {@link StorageException}.
     */
    public InputStream open(String key) throws IOException {
        return retrying(() -> get(key));
    }

    /** One try of {@link #open}: the callers that try again as a whole use it, so no try is nested in another. */
    private InputStream get(String key) throws IOException {
        InputStream in = call("get", key,
                () -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (IOException e) {
                    throw cutOff(key, e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    throw cutOff(key, e);
                }
            }
        };
    }

    private StorageException cutOff(String key, IOException e) {
        return new StorageException("get " + bucket + "/" + key + ": the read was cut off: " + e.getMessage(), e, true);
    }

    /**
     * The object's bytes, checked as they are read: the end of the stream comes only after its size and SHA-256
     * matched {@code file}, otherwise a {@link ChecksumMismatchException} comes in its place.
     */
    public InputStream openVerified(StoredFile file) throws IOException {
        return new VerifyingInputStream(open(file.key()), file);
    }

    /** Reads a small object whole, verified; a read cut off is tried again from the start. */
    public byte[] readVerified(StoredFile file) throws IOException {
        return retrying(() -> {
            try (InputStream in = new VerifyingInputStream(get(file.key()), file)) {
                return in.readAllBytes();
            }
        });
    }

    /**
     * Streams the object into {@code target}, verified; a download cut off is tried again from the start, and on
     * a mismatch {@code target} is deleted.
     */
    public void download(StoredFile file, Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        retrying(() -> {
            try (InputStream in = new VerifyingInputStream(get(file.key()), file);
                    OutputStream out = Files.newOutputStream(target)) {
                in.transferTo(out);
            } catch (IOException e) {
                Files.deleteIfExists(target);
                throw e;
            }
            return null;
        });
    }

    /** Every key under {@code prefix}, at any depth, in lexicographic order. */
    public List<String> list(String prefix) throws IOException {
        return listed(prefix).stream().map(Listed::key).toList();
    }

    /** An object as a listing shows it: its key, its size and when it was last written. */
    public record Listed(String key, long size, Instant lastModified) {
    }

    /** Every object under {@code prefix}, at any depth, in lexicographic order of its key. */
    public List<Listed> listed(String prefix) throws IOException {
        return retrying(() -> call("list", prefix, () -> {
            List<Listed> objects = new ArrayList<>();
            for (Result<Item> result : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item item = result.get();
                objects.add(new Listed(item.objectName(), item.size(), item.lastModified().toInstant()));
            }
            return objects;
        }));
    }

    /** Deletes {@code key}; deleting a missing key is not an error, as in S3. */
    public void delete(String key) throws IOException {
        retrying(() -> call("delete", key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        }));
    }

    @Override
    public void close() throws IOException {
        try {
            client.close();
        } catch (Exception e) {
            throw new IOException("closing the client of bucket " + bucket, e);
        }
    }

    private interface StoreCall<T> {
        T run() throws IOException;
    }

    private interface MinioCall<T> {
        T run() throws MinioException;
    }

    private static Guard guard(StoreRetry policy) {
        if (!policy.retries()) {
            return null;
        }
        Guard.Builder.RetryBuilder retry = Guard.create()
                .withRetry()
                .maxRetries(-1) // bounded by the duration alone
                .maxDuration(policy.maxDuration().toMillis(), ChronoUnit.MILLIS)
                .delay(policy.initialDelay().toMillis(), ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS)
                .whenException(ObjectStore::passing)
                .beforeRetry(e -> LOG.warning(() -> e.getMessage() + "; trying again"));
        if (policy.maxDelay().compareTo(policy.initialDelay()) > 0) {
            // Else a fixed delay: SmallRye's back-off needs room to grow.
            retry.withExponentialBackoff().factor(2).maxDelay(policy.maxDelay().toMillis(), ChronoUnit.MILLIS).done();
        }
        return retry.done().build();
    }

    /** Whether a failure may pass: a server error or a connection that failed, not a refusal. */
    static boolean passing(Throwable failure) {
        return failure instanceof StorageException e && e.passing();
    }

    private <T> T retrying(StoreCall<T> call) throws IOException {
        if (retry == null) {
            return call.run();
        }
        try {
            @SuppressWarnings("unchecked")
            T result = (T) retry.call(() -> (Object) call.run(), Object.class);
            return result;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    private <T> T call(String operation, String key, MinioCall<T> call) throws IOException {
        String what = operation + " " + bucket + "/" + key;
        try {
            return call.run();
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if ("NoSuchKey".equals(code)) {
                throw new NoSuchFileException(key, null, "no such object in bucket " + bucket);
            }
            if ("PreconditionFailed".equals(code) || "ConditionalRequestConflict".equals(code)) {
                throw new FileAlreadyExistsException(key, null, "an object is there already in bucket " + bucket);
            }
            int status = e.response() == null ? 0 : e.response().code();
            throw new StorageException(what + ": " + code + " " + e.errorResponse().message(), e,
                    status >= 500 || PASSING_ERROR_CODES.contains(code));
        } catch (ServerException e) {
            throw new StorageException(what + ": HTTP " + e.statusCode() + " " + e.getMessage(), e,
                    e.statusCode() >= 500);
        } catch (InsufficientDataException | XmlParserException e) {
            throw new StorageException(what + ": " + e.getMessage(), e, false);
        } catch (MinioException e) {
            // The connection failed or was cut, or the answer was not S3's (a proxy's error page).
            throw new StorageException(what + ": " + describe(e), e, true);
        } catch (IllegalStateException e) {
            // How the client reports that the connection failed or was cut.
            if (e.getCause() instanceof IOException) {
                throw new StorageException(what + ": " + describe(e), e, true);
            }
            throw e;
        }
    }

    private static String describe(Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
