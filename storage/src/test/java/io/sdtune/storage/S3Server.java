package io.sdtune.storage;

import io.sdtune.embedded.s3.LocalS3;
import java.io.IOException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3 server for a test class: the embedded default's {@link LocalS3} (s3proxy in this JVM, a
 * temporary folder, signed requests only) on a free loopback port. Register it as a
 * static {@code @RegisterExtension} field. {@link #store()} is one client on the bucket {@value #BUCKET},
 * emptied after each test; the client is shared because building one takes most of a second when the
 * environment names extra CA certificates (SSL_CERT_FILE / SSL_CERT_DIR), which the client then loads.
 */
final class S3Server implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    static final String BUCKET = "sdtune";
    static final String ACCESS_KEY = "sdtune-test";
    static final String SECRET_KEY = "sdtune-test-secret";

    private LocalS3 server;
    private ObjectStore store;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = LocalS3.start(ACCESS_KEY, SECRET_KEY);
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
        server.close();
    }

    String endpoint() {
        return server.endpoint();
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
