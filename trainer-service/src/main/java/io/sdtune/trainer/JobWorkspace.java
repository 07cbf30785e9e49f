package io.sdtune.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/** A job's local folders - its training images, class images and the engine's output - deleted when the job ends, however it ends. */
final class JobWorkspace implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobWorkspace.class);
    private final Path root;

    private JobWorkspace(Path root) {
        this.root = root;
    }

    static JobWorkspace create(Path parent, String jobId) throws IOException {
        Files.createDirectories(parent);
        JobWorkspace workspace = new JobWorkspace(Files.createTempDirectory(parent, "job-" + jobId + "-"));
        Files.createDirectories(workspace.images());
        return workspace;
    }

    Path images() {
        return root.resolve("images");
    }

    /** Class images of prior preservation, which the engine draws from the base model. */
    Path classImages() {
        return root.resolve("class-images");
    }

    /** The job's latest stored checkpoint, restored when the job is delivered again: the engine resumes from it. */
    Path checkpoint() {
        return root.resolve("checkpoint");
    }

    /** Where the engine writes the artifact; every file in it is published. */
    Path output() {
        return root.resolve("output");
    }

    /** A folder that cannot be deleted is logged, not thrown: the job's outcome is told already. */
    @Override
    public void close() {
        try {
            delete(root);
        } catch (IOException e) {
            LOG.warnf(e, "cannot delete the job folder %s", root);
        }
    }

    /** Deletes every job folder under {@code parent}: those a trainer that died left behind. */
    static void deleteAllIn(Path parent) throws IOException {
        if (Files.isDirectory(parent)) {
            try (Stream<Path> folders = Files.list(parent)) {
                for (Path folder : folders.toList()) {
                    LOG.infof("deleting %s, left by a trainer that stopped mid-job", folder);
                    delete(folder);
                }
            }
        }
    }

    /** Deletes {@code folder} and everything in it, if it is there. */
    static void delete(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
