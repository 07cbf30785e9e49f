package io.sdtune.deploy;

import io.sdtune.embedded.EmbeddedPlatform;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The embedded default on one machine: a Kafka broker and an S3 server in this JVM (the {@code embedded}
 * module), the base model in the store, and the trainer, generator and gateway as child processes of
 * their packaged Quarkus applications, configured to reach them, and restarted when they exit or stop being
 * live (ServiceProcess). Everything it keeps lives under
 * {@link Options#dataDir()}, so a restart finds datasets, adapters, images and the topics' records again.
 */
public final class Platform implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    /** The ports {@link #freePort} handed out. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final String TRAINER_HEAP = "4g";
    /** What the services listen on unless told otherwise: the loopback interface, unreachable from elsewhere. */
    public static final String LOCALHOST = "127.0.0.1";

    /**
     * @param home    the repository root, where each service's {@code target/quarkus-app} is
     * @param dataDir where the broker, the object store, the services' caches and logs keep their files
     * @param port    the gateway's HTTP port: the web UI and the API
     * @param device  {@code cpu}, {@code cuda} or {@code cuda:N} for the trainer and the generator
     * @param baseModel the model the generator keeps resident and requests default to
     * @param host    the address the gateway listens on ({@value #LOCALHOST}: this machine only); the other
     *                services always listen on this machine only
     * @param apiKeys the gateway's API keys file; null for {@code <dataDir>/api-keys}, made with a key of the
     *                tenant {@code local} at the first start
     */
    public record Options(Path home, Path dataDir, int port, String device, BaseModel baseModel, String host,
            Path apiKeys) {
        /** On this machine only, with the data directory's own API keys. */
        public Options(Path home, Path dataDir, int port, String device, BaseModel baseModel) {
            this(home, dataDir, port, device, baseModel, LOCALHOST, null);
        }

        /** The services' logs, and the broker's and S3 server's when run by the launcher. */
        public Path logs() {
            return dataDir.resolve("logs");
        }
    }

    private final Options options;
    private final EmbeddedPlatform infrastructure;
    private final Map<String, String> shared;
    private final List<ServiceProcess> services;
    private final ServiceProcess gateway;
    private final Path apiKeys;

    private Platform(Options options, EmbeddedPlatform infrastructure, Map<String, String> shared,
            List<ServiceProcess> services, ServiceProcess gateway, Path apiKeys) {
        this.options = options;
        this.infrastructure = infrastructure;
        this.shared = shared;
        this.services = services;
        this.gateway = gateway;
        this.apiKeys = apiKeys;
    }

    /** Starts everything and returns once every service is ready; {@code progress} hears each stage. */
    public static Platform start(Options options, Consumer<String> progress) {
        progress.accept("Starting the Kafka broker and the S3 server under " + options.dataDir());
        EmbeddedPlatform infrastructure = EmbeddedPlatform.start(options.dataDir().resolve("platform"));
        List<ServiceProcess> started = new ArrayList<>();
        try {
            publishBaseModel(options.baseModel(), infrastructure.config(), progress);
            Map<String, String> shared = new HashMap<>(infrastructure.config());
            shared.put("sdtune.generator.base-model", options.baseModel().id());
            shared.put("sdtune.gateway.base-model-id", options.baseModel().id());
            shared.put("sdtune.gateway.base-model-resolution", String.valueOf(options.baseModel().resolution()));
            if (options.baseModel().examplePrompt() != null) {
                shared.put("sdtune.gateway.base-model-example-prompt", options.baseModel().examplePrompt());
            }
            if (options.baseModel().instancePrompt() != null) {
                shared.put("sdtune.gateway.base-model-instance-prompt", options.baseModel().instancePrompt());
            }
            if (options.baseModel().guidanceScale() != null) {
                shared.put("sdtune.gateway.base-model-guidance-scale", options.baseModel().guidanceScale().toString());
            }
            shared.put("sdtune.trainer.device", options.device());
            shared.put("sdtune.generator.device", options.device());
            // Half precision on a GPU, as diffusers' torch_dtype=float16 and AUTOMATIC1111 draw there (twice the
            // speed); the CPU has no fast float16.
            shared.put("sdtune.generator.dtype", options.device().equals("cpu") ? "float32" : "float16");
            shared.put("quarkus.http.host", LOCALHOST);
            Path apiKeys = options.apiKeys() != null ? options.apiKeys() : LocalApiKeys.ensure(options.dataDir());
            Path logs = options.logs();
            started.add(start(options, "trainer-service", freePort(), TRAINER_HEAP,
                    trainerConfig(shared, options.dataDir().resolve("trainer")), logs));
            started.add(start(options, "generator-service", freePort(), "4g", with(shared,
                    "sdtune.cache.dir", options.dataDir().resolve("generator/cache")), logs));
            ServiceProcess gateway = start(options, "gateway", options.port(), "1g", with(shared,
                    "quarkus.http.host", options.host(), "sdtune.gateway.auth.api-keys-file", apiKeys), logs);
            started.add(gateway);
            progress.accept("Starting the trainer, generator and gateway services (logs in " + logs + ")");
            awaitReady(started);
            started.forEach(service -> service.supervise(progress));
            return new Platform(options, infrastructure, Map.copyOf(shared), List.copyOf(started), gateway, apiKeys);
        } catch (RuntimeException e) {
            started.forEach(ServiceProcess::close);
            infrastructure.close();
            throw e;
        }
    }

    /** The model served: what requests default to, and its size. */
    public BaseModel baseModel() {
        return options.baseModel();
    }

    /** The gateway: the web UI at its root, the REST API under {@code /api}. */
    public URI gateway() {
        return gateway.uri();
    }

    /** The gateway's API keys file. */
    public Path apiKeys() {
        return apiKeys;
    }

    /** The key of the tenant {@code local}, when the keys file has one (it does unless the user gave the file). */
    public Optional<String> localApiKey() {
        return LocalApiKeys.keyOf(apiKeys, LocalApiKeys.TENANT);
    }

    /** The broker and the object store, and the configuration under which the services reach them. */
    public EmbeddedPlatform infrastructure() {
        return infrastructure;
    }

    /** Each service's name and HTTP root (health at {@code /q/health}, metrics at {@code /q/metrics}). */
    public Map<String, URI> services() {
        Map<String, URI> uris = new HashMap<>();
        services.forEach(s -> uris.put(s.name(), s.uri()));
        return uris;
    }

    /** The service {@code name} ({@code trainer-service}, {@code generator-service}, {@code gateway}). */
    ServiceProcess service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service " + name));
    }

    /**
     * One more trainer beside the platform's, configured as it is (broker, store, device, consumer group) with
     * {@code overrides} on top, on a port of its own, its cache and job folders under {@code <data_dir>/<name>/}
     * (a trainer deletes the job folders it finds at start) and its output in {@code logs/<name>.log}. Ready on
     * return; not supervised; the caller closes it.
     */
    ServiceProcess startAnotherTrainer(String name, Map<String, String> overrides) {
        Map<String, String> config = trainerConfig(shared, options.dataDir().resolve(name));
        config.putAll(overrides);
        ServiceProcess trainer = ServiceProcess.start(name, app(options, "trainer-service"), freePort(), TRAINER_HEAP,
                config, options.logs().resolve(name + ".log"));
        try {
            trainer.awaitReady(START_TIMEOUT);
            return trainer;
        } catch (RuntimeException e) {
            trainer.close();
            throw e;
        }
    }

    /** Stops the gateway first (no new requests), then the trainer and generator, then the broker and store. */
    @Override
    public void close() {
        try {
            for (int i = services.size() - 1; i >= 0; i--) {
                services.get(i).close();
            }
        } finally {
            infrastructure.close();
        }
    }

    private static ServiceProcess start(Options options, String module, int port, String maxHeap,
            Map<String, String> config, Path logs) {
        return ServiceProcess.start(module, app(options, module), port, maxHeap, config, logs.resolve(module + ".log"));
    }

    private static Path app(Options options, String module) {
        return options.home().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** A trainer's configuration: the shared one, its cache and its jobs' folders under {@code folder}. */
    private static Map<String, String> trainerConfig(Map<String, String> shared, Path folder) {
        return with(shared, "sdtune.cache.dir", folder.resolve("cache"), "sdtune.trainer.work-dir", folder.resolve("jobs"));
    }

    private static void awaitReady(List<ServiceProcess> services) {
        try {
            CompletableFuture.allOf(services.stream()
                    .map(s -> CompletableFuture.runAsync(() -> s.awaitReady(START_TIMEOUT)))
                    .toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private static void publishBaseModel(BaseModel model, Map<String, String> config, Consumer<String> progress) {
        StoreConfig store = new StoreConfig(config.get("sdtune.store.endpoint"), config.get("sdtune.store.access-key"),
                config.get("sdtune.store.secret-key"), config.get("sdtune.store.bucket"));
        try (ObjectStore objects = ObjectStore.open(store)) {
            model.publishIfAbsent(new ArtifactStore(objects), progress);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the base model into the store: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> with(Map<String, String> config, Object... keysAndValues) {
        Map<String, String> more = new HashMap<>(config);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            more.put(keysAndValues[i].toString(), keysAndValues[i + 1].toString());
        }
        return more;
    }

    /**
     * A port free now on this machine (for the services, and the tests' gateways), and none this JVM handed out
     * before: a port is only reserved once its service binds it, and the system may offer a port again in between -
     * two services on one port, the second's readiness answered by the first.
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port: " + e.getMessage(), e);
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port that this process has not handed out already");
    }
}
