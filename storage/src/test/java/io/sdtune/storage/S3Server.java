package io.sdtune.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3 server for a test class: s3proxy started in this JVM on a free loopback port, its filesystem
 * backend in a fresh temporary folder, answering only requests signed with AWS v2 or v4. Register it as a
 * static {@code @RegisterExtension} field. {@link #store()} is one client on the bucket {@value #BUCKET},
 * emptied after each test; the client is shared because building one takes most of a second when the
 * environment names extra CA certificates (SSL_CERT_FILE / SSL_CERT_DIR), which the client then loads.
 */
final class S3Server implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    static final String BUCKET = "sdtune";
    static final String ACCESS_KEY = "sdtune-test";
    static final String SECRET_KEY = "sdtune-test-secret";

    private Path directory;
    private S3Proxy proxy;
    private ObjectStore store;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        directory = Files.createTempDirectory("s3proxy-");
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toString());
        proxy = S3Proxy.builder()
                .blobStore(BlobStores.create("filesystem", properties))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        store = open(BUCKET);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        for (String key : store.list("")) {
            store.delete(key);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        store.close();
        proxy.stop();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    StoreConfig config(String bucket) {
        return new StoreConfig(endpoint(), ACCESS_KEY, SECRET_KEY, bucket);
    }

    /** A new client on {@code bucket}, creating it if missing. */
    ObjectStore open(String bucket) throws IOException {
        return ObjectStore.open(config(bucket));
    }

    ObjectStore store() {
        return store;
    }
}
