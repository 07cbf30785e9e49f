package io.sdtune.embedded.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * The S3 server of the embedded default: s3proxy, started in this JVM on a loopback port, keeping
 * objects as files under a directory (a given one, so they survive a restart, or a temporary one
 * deleted on close). It answers only requests signed (AWS v2 or v4) with its access and secret key,
 * as MinIO does; the object store's MinIO client talks to it unchanged.
 */
public final class LocalS3 implements AutoCloseable {
    private final S3Proxy proxy;
    private final int port;
    private final Path directory;
    private final boolean temporary;
    private final String accessKey;
    private final String secretKey;

    private LocalS3(S3Proxy proxy, Path directory, boolean temporary, String accessKey, String secretKey) {
        this.proxy = proxy;
        this.port = proxy.getPort(); // kept: the endpoint stays known while the server is stopped
        this.directory = directory;
        this.temporary = temporary;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** A server on a free port over a temporary directory. */
    public static LocalS3 start(String accessKey, String secretKey) {
        try {
            return start(Files.createTempDirectory("local-s3-"), true, 0, accessKey, secretKey);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the S3 server: " + e.getMessage(), e);
        }
    }

    /** A server on {@code port} (0: a free one) keeping its objects under {@code directory}. */
    public static LocalS3 start(Path directory, int port, String accessKey, String secretKey) {
        return start(directory, false, port, accessKey, secretKey);
    }

    private static LocalS3 start(Path directory, boolean temporary, int port, String accessKey, String secretKey) {
        try {
            Files.createDirectories(directory);
            Properties properties = new Properties();
            // Absolute: jclouds resolves a relative base directory inconsistently (multipart uploads then fail with NoSuchUpload).
            properties.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(BlobStores.create("filesystem", properties))
                    .endpoint(URI.create("http://127.0.0.1:" + port))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                    .build();
            proxy.start();
            return new LocalS3(proxy, directory, temporary, accessKey, secretKey);
        } catch (Exception e) {
            throw new IllegalStateException("the S3 server did not start on 127.0.0.1:" + port + " over " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * A new server on this one's port over its directory, after {@link #close()}: the objects stored before are
     * served again at the same endpoint, as after a restart of a real S3 server. Not for a temporary directory,
     * which {@code close()} deleted.
     */
    public LocalS3 startAgain() {
        if (temporary) {
            throw new IllegalStateException("the S3 server over " + directory
                    + " cannot start again: its temporary directory was deleted when it closed");
        }
        return start(directory, port, accessKey, secretKey);
    }

    /** {@code http://127.0.0.1:<port>}, also while the server is stopped. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the S3 server did not stop: " + e.getMessage(), e);
        }
        if (temporary) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + directory + ": " + e.getMessage(), e);
            }
        }
    }
}
