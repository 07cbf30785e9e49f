package io.sdtune.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One service of the platform as a child JVM running its packaged Quarkus application, its configuration given
 * as environment variables (MicroProfile Config's names: {@code sdtune.store.secret-key} is
 * {@code SDTUNE_STORE_SECRET_KEY}, read before application.properties), never on its command line, which every
 * user of the machine can read ({@code ps}); its output appended to a log file.
 * Ready when its {@code /q/health/ready} answers 200; closing it asks for a graceful shutdown (SIGTERM, which
 * Quarkus turns into draining its consumers), then kills it if that takes too long.
 *
 * <p>Once {@link #supervise supervised}, it is kept running as Kubernetes keeps a container with
 * {@code restartPolicy: Always} and a liveness probe: a process that exits, or whose {@code /q/health/live}
 * fails {@value #LIVENESS_FAILURES} times in a row (one probe every {@link #LIVENESS_PERIOD}), is stopped and
 * started again after a back-off that doubles from {@link #FIRST_BACKOFF} up to {@link #MAX_BACKOFF}, and
 * starts over once a run has lasted {@link #STABLE_RUN}.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    private static final int LOG_LINES_ON_FAILURE = 40;
    static final Duration LIVENESS_PERIOD = Duration.ofSeconds(5);
    static final int LIVENESS_FAILURES = 3;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    static final Duration STABLE_RUN = Duration.ofMinutes(10);

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final URI uri;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile Process process;
    private volatile boolean closing;
    private Thread supervisor;

    private ServiceProcess(String name, List<String> command, Map<String, String> environment, URI uri, Path log) {
        this.name = name;
        this.command = command;
        this.environment = environment;
        this.uri = uri;
        this.log = log;
    }

    /** Starts {@code app} (a {@code quarkus-run.jar}) on {@code port} with {@code config}, logging into {@code log}. */
    static ServiceProcess start(String name, Path app, int port, String maxHeap, Map<String, String> config, Path log) {
        if (!Files.isRegularFile(app)) {
            throw new IllegalStateException("The " + name + " service is not built (no " + app
                    + "): run `mvn -B package -DskipTests` from the repository root (bin/sdtune does).");
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "--enable-native-access=ALL-UNNAMED", "-jar", app.toString());
        Map<String, String> environment = new HashMap<>();
        environment.put(environmentName("quarkus.http.port"), String.valueOf(port));
        config.forEach((key, value) -> environment.put(environmentName(key), value));
        ServiceProcess service = new ServiceProcess(name, command, Map.copyOf(environment),
                URI.create("http://" + Platform.LOCALHOST + ":" + port), log);
        service.launch();
        return service;
    }

    private void launch() {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            process = builder
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + name + " service: " + e.getMessage(), e);
        }
    }

    /** The environment variable MicroProfile Config reads {@code property} from: {@code QUARKUS_HTTP_PORT}. */
    static String environmentName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** From now on, a process that exits or stops being live is started again; {@code console} hears each restart. */
    void supervise(Consumer<String> console) {
        supervisor = new Thread(() -> superviseUntilClosed(console), "supervisor-" + name);
        supervisor.setDaemon(true);
        supervisor.start();
    }

    private void superviseUntilClosed(Consumer<String> console) {
        Duration backoff = FIRST_BACKOFF;
        while (!closing) {
            Instant started = Instant.now();
            String why = awaitExitOrDeath();
            if (closing) {
                return;
            }
            if (Duration.between(started, Instant.now()).compareTo(STABLE_RUN) >= 0) {
                backoff = FIRST_BACKOFF;
            }
            int restart = restarts.incrementAndGet();
            console.accept("sdtune: the " + name + " service " + why + "; restarting it in " + backoff.toMillis()
                    + " ms (restart " + restart + ", log " + log + ")");
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                return; // closing
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            relaunch();
        }
    }

    /** Starts the process again unless the service is closing: the two never cross. */
    private synchronized void relaunch() {
        if (!closing) {
            launch();
        }
    }

    /** Waits until the process exits, or fails its liveness probe often enough to be killed; says which. */
    private String awaitExitOrDeath() {
        Process current = process;
        int failures = 0;
        while (!closing) {
            try {
                if (current.waitFor(LIVENESS_PERIOD.toMillis(), TimeUnit.MILLISECONDS)) {
                    return "exited with status " + current.exitValue();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "was interrupted";
            }
            failures = live() ? 0 : failures + 1;
            if (failures >= LIVENESS_FAILURES) {
                stop(current);
                return "failed its liveness check " + failures + " times in a row and was stopped";
            }
        }
        return "is closing";
    }

    /**
     * Whether {@code /q/health/live} says UP. A process that does not listen (yet) counts as live: it is starting,
     * and one that died is seen by its exit.
     */
    private boolean live() {
        HttpRequest request = HttpRequest.newBuilder(uri.resolve("/q/health/live")).timeout(Duration.ofSeconds(5)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (HttpTimeoutException e) {
            return false;
        } catch (IOException notListening) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** The process id of the service's current process. */
    long pid() {
        return process.pid();
    }

    /** How often the supervisor has started the service again. */
    int restarts() {
        return restarts.get();
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
        Process process = this.process;
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
        synchronized (this) {
            closing = true;
        }
        if (supervisor != null) {
            supervisor.interrupt();
        }
        stop(process);
    }

    private static void stop(Process process) {
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
