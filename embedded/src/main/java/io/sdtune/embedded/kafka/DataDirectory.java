package io.sdtune.embedded.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;

/**
 * Where the local broker keeps its data: {@code server.properties} as written at the last start
 * and {@code log/}, the Kafka log directory. A given directory outlives the broker, so a restart
 * finds its records; a temporary one is deleted on close.
 *
 * <p>It is locked while open. Kafka locks {@code log/} too, but only once the broker part starts:
 * by then a second node's controller would already be writing into the first one's metadata log,
 * which a combined node keeps in the same directory without a lock of its own.
 */
final class DataDirectory implements AutoCloseable {

    private final Path root;
    private final boolean temporary;
    private final FileChannel lockFile;

    private DataDirectory(Path root, boolean temporary) throws IOException {
        this.root = root;
        this.temporary = temporary;
        this.lockFile = FileChannel.open(root.resolve("local-kafka.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        }
        if (lock == null) {
            lockFile.close();
            throw new IllegalStateException("The Kafka data directory " + root
                    + " is in use by another LocalKafka, in this process or another");
        }
    }

    static DataDirectory at(Path root) {
        try {
            return new DataDirectory(Files.createDirectories(root).toAbsolutePath(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the Kafka data directory " + root, e);
        }
    }

    static DataDirectory temporary() {
        try {
            return new DataDirectory(Files.createTempDirectory("local-kafka-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary Kafka data directory", e);
        }
    }

    Path root() {
        return root;
    }

    /** Whether {@link #close()} deletes it. */
    boolean deletedOnClose() {
        return temporary;
    }

    Path logs() {
        return root.resolve("log");
    }

    /**
     * Writes the node's properties and, the first time only, formats the log directory for a
     * new cluster. Formatting goes through StorageTool's {@code format} command, the documented
     * way to do it: its arguments are a stable interface, the Formatter behind it is not.
     */
    void prepare(NodeConfig config) {
        Path properties = root.resolve("server.properties");
        try (Writer out = Files.newBufferedWriter(properties)) {
            config.properties().store(out, "Written by LocalKafka at each start");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + properties, e);
        }
        if (Files.exists(logs().resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            status = StorageTool.execute(new String[] {
                "format", "--cluster-id", Uuid.randomUuid().toString(), "--config", properties.toString()
            }, print);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Formatting " + logs() + " failed: " + e.getMessage(), e);
        }
        if (status != 0) {
            throw new IllegalStateException("Formatting " + logs() + " failed with status " + status
                    + ": " + output.toString(StandardCharsets.UTF_8));
        }
    }

    /** Releases the lock and deletes a temporary directory. */
    @Override
    public void close() {
        try {
            lockFile.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot release the lock on " + root, e);
        }
        if (!temporary) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the temporary Kafka data directory " + root, e);
        }
    }
}
