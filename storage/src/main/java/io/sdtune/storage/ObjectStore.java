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
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One bucket of an S3-compatible store, through the MinIO client: objects put with their SHA-256 computed on
 * the way up, and read back checked against it. Every failure is an {@link IOException} that names the
 * operation and the key.
 */
public final class ObjectStore implements AutoCloseable {
    private final MinioClient client;
    private final String bucket;

    private ObjectStore(MinioClient client, String bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    /** Connects and creates the bucket when it is missing; safe to run from several instances at once. */
    public static ObjectStore open(StoreConfig config) throws IOException {
        MinioClient client = MinioClient.builder()
                .endpoint(config.endpoint())
                .region(config.region())
                .credentials(config.accessKey(), config.secretKey())
                .build();
        ObjectStore store = new ObjectStore(client, config.bucket());
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
     * Uploads exactly {@code size} bytes from {@code content} to {@code key}, in parts for large objects, hashing
     * them as they pass; the stream is not closed. A stream shorter or longer than {@code size} fails.
     */
    public StoredFile put(String key, InputStream content, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size of " + key + " must be 0 or more, was " + size);
        }
        Sha256InputStream hashing = new Sha256InputStream(content);
        call("put", key, () -> client.putObject(
                PutObjectArgs.builder().bucket(bucket).object(key).stream(hashing, size, -1L).build()));
        // The client reads one byte past each part to find the end, so a longer stream shows in the count.
        if (hashing.count() != size) {
            throw new IOException("put " + key + ": the stream had more than the " + size + " bytes announced");
        }
        return new StoredFile(key, hashing.sha256(), size);
    }

    public StoredFile put(String key, byte[] bytes) throws IOException {
        return put(key, new ByteArrayInputStream(bytes), bytes.length);
    }

    /** The object's bytes as stored, unchecked; {@link NoSuchFileException} when there is none. */
    public InputStream open(String key) throws IOException {
        return call("get", key, () -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    /**
     * The object's bytes, checked as they are read: the end of the stream comes only after its size and SHA-256
     * matched {@code file}, otherwise a {@link ChecksumMismatchException} comes in its place.
     */
    public InputStream openVerified(StoredFile file) throws IOException {
        return new VerifyingInputStream(open(file.key()), file);
    }

    /** Reads a small object whole, verified. */
    public byte[] readVerified(StoredFile file) throws IOException {
        try (InputStream in = openVerified(file)) {
            return in.readAllBytes();
        }
    }

    /** Streams the object into {@code target}, verified; on a mismatch {@code target} is deleted. */
    public void download(StoredFile file, Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        try (InputStream in = openVerified(file); OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    /** Every key under {@code prefix}, at any depth, in lexicographic order. */
    public List<String> list(String prefix) throws IOException {
        return call("list", prefix, () -> {
            List<String> keys = new ArrayList<>();
            for (Result<Item> item : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                keys.add(item.get().objectName());
            }
            return keys;
        });
    }

    /** Deletes {@code key}; deleting a missing key is not an error, as in S3. */
    public void delete(String key) throws IOException {
        call("delete", key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        });
    }

    @Override
    public void close() throws IOException {
        try {
            client.close();
        } catch (Exception e) {
            throw new IOException("closing the client of bucket " + bucket, e);
        }
    }

    private interface MinioCall<T> {
        T run() throws MinioException;
    }

    private <T> T call(String operation, String key, MinioCall<T> call) throws IOException {
        try {
            return call.run();
        } catch (ErrorResponseException e) {
            if ("NoSuchKey".equals(e.errorResponse().code())) {
                throw new NoSuchFileException(key, null, "no such object in bucket " + bucket);
            }
            throw new StorageException(operation + " " + bucket + "/" + key + ": " + e.errorResponse().code() + " "
                    + e.errorResponse().message(), e);
        } catch (MinioException e) {
            throw new StorageException(operation + " " + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }
}
