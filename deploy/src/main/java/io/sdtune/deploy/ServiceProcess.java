package io.sdtune.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service of the platform as a child JVM running its packaged Quarkus application, its configuration given
 * as system properties (which Quarkus reads before application.properties), its output in a log file. Ready
 * when its {@code /q/health/ready} answers 200; closing it asks for a graceful shutdown (SIGTERM, which Quarkus
 * turns into draining its consumers), then kills it if that takes too long.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    private static final int LOG_LINES_ON_FAILURE = 40;

    private final String name;
    private final Process process;
    private final URI uri;
    private final Path log;

    private ServiceProcess(String name, Process process, URI uri, Path log) {
        this.name = name;
        this.process = process;
        this.uri = uri;
        this.log = log;
    }

    /** Starts {@code app} (a {@code quarkus-run.jar}) on {@code port} with {@code config}, logging into {@code log}. */
    static ServiceProcess start(String name, Path app, int port, String maxHeap, Map<String, String> config, Path log) {
        if (!Files.isRegularFile(app)) {
            throw new IllegalStateException("The " + name + " service is not built (no " + app
                    + "): run `mvn -B package -DskipTests` from the repository root (bin/sdtune does).");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-Dquarkus.http.port=" + port);
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(app.toString());
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new ServiceProcess(name, process, URI.create("http://localhost:" + port), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + name + " service: " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    /** Its HTTP root: the API for the gateway, health and metrics for all. */
    URI uri() {
        return uri;
    }

    /** Waits until the service reports ready; fails with the end of its log when it exits or {@code timeout} passes. */
    void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(uri.resolve("/q/health/ready")).timeout(Duration.ofSeconds(5)).build();
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The " + name + " service exited with status " + process.exitValue()
                        + " while starting; the end of " + log + ":\n" + logTail());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // Still starting (refused, or reset while its HTTP server comes up): asked again below.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the " + name + " service", e);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("The " + name + " service was not ready within " + timeout.toSeconds()
                        + " s; the end of " + log + ":\n" + logTail());
            }
            sleep(Duration.ofMillis(250));
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_LINES_ON_FAILURE), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
