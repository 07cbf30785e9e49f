package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.embedded.s3.LocalS3;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoreConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dev overlay's base model Job, run as its pod would run it: its command and arguments as rendered, in the
 * packaged gateway's fast-jar folder (the image's working directory), with the variables its ConfigMaps and Secret
 * give it, against a real S3 server. Two stand-ins only: the store's endpoint is the test's server, not the
 * cluster's MinIO Service, and the model volume is a folder here. Needs {@code gateway/target/quarkus-app}.
 */
class BaseModelJobIT {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final String ACCESS_KEY = "job-test";
    private static final String SECRET_KEY = "job-test-secret";

    static Path home;
    static JsonNode container;
    static Map<String, String> environment;

    @BeforeAll
    static void render() {
        home = Path.of(System.getProperty("sdtune.home", "..")).toAbsolutePath().normalize();
        RenderedOverlay dev = RenderedOverlay.render(home, "dev");
        container = dev.get("Job", "base-model").path("spec").path("template").path("spec").path("containers").path(0);
        environment = new LinkedHashMap<>();
        container.path("envFrom").forEach(source -> dev.get("ConfigMap", source.path("configMapRef").path("name")
                .asText()).path("data").fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText())));
        for (JsonNode variable : container.path("env")) {
            JsonNode from = variable.path("valueFrom");
            String value;
            if (from.has("configMapKeyRef")) {
                JsonNode ref = from.path("configMapKeyRef");
                value = dev.get("ConfigMap", ref.path("name").asText()).path("data").path(ref.path("key").asText()).asText();
            } else if (from.has("secretKeyRef")) {
                value = from.path("secretKeyRef").path("key").asText().equals("access-key") ? ACCESS_KEY : SECRET_KEY;
            } else {
                value = variable.path("value").asText();
            }
            environment.put(variable.path("name").asText(), value);
        }
    }

    @Test
    void publishesTheMountedModelOnceThenFindsItThere() throws Exception {
        Path dir = TestDirectories.create("base-model-job");
        Path model = dir.resolve("model");
        TinyModel.write(model, TinyModel.Architecture.TINY, DType.FLOAT32, 7, component -> { });
        String modelId = environment.get("MODEL_ID");
        try (LocalS3 s3 = LocalS3.start(ACCESS_KEY, SECRET_KEY)) {
            Run first = run(s3, model, dir.resolve("first.log"));
            Run second = run(s3, model, dir.resolve("second.log"));

            assertThat(first.status()).as(first.output()).isZero();
            assertThat(first.output()).contains("published models/" + modelId + "/");
            assertThat(second.status()).as(second.output()).isZero();
            assertThat(second.output()).contains("models/" + modelId + "/ is published already: nothing to do");
            StoreConfig store = new StoreConfig(s3.endpoint(), ACCESS_KEY, SECRET_KEY, environment.get("SDTUNE_STORE_BUCKET"));
            try (ObjectStore objects = ObjectStore.open(store)) {
                ArtifactCache cache = ArtifactCache.open(new ArtifactStore(objects), dir.resolve("cache"), 1L << 30);
                Path fetched = cache.fetch(Shelf.MODELS.at(modelId));
                assertThat(fetched.resolve("unet/diffusion_pytorch_model.safetensors"))
                        .hasSameBinaryContentAs(model.resolve("unet/diffusion_pytorch_model.safetensors"));
            }
        }
    }

    @Test
    void anEmptyVolumeFailsTheJobWithTheReasonAndWritesNothing() throws Exception {
        Path dir = TestDirectories.create("base-model-job");
        try (LocalS3 s3 = LocalS3.start(ACCESS_KEY, SECRET_KEY)) {
            Run run = run(s3, Files.createDirectories(dir.resolve("empty")), dir.resolve("run.log"));

            assertThat(run.status()).isEqualTo(1);
            assertThat(run.output()).contains("is not a diffusers model folder: it has no model_index.json");
            StoreConfig store = new StoreConfig(s3.endpoint(), ACCESS_KEY, SECRET_KEY, environment.get("SDTUNE_STORE_BUCKET"));
            try (ObjectStore objects = ObjectStore.open(store)) {
                assertThat(objects.list("models/")).isEmpty();
            }
        }
    }

    private record Run(int status, String output) {
    }

    /** The container's command and arguments, references expanded as the kubelet expands them, the volume here. */
    private static Run run(LocalS3 s3, Path modelVolume, Path log) throws IOException, InterruptedException {
        Map<String, String> variables = new LinkedHashMap<>(environment);
        variables.put("SDTUNE_STORE_ENDPOINT", s3.endpoint());
        List<String> command = new ArrayList<>();
        container.path("command").forEach(c -> command.add(expand(c.asText(), variables)));
        container.path("args").forEach(a -> command.add(expand(a.asText(), variables)));
        command.set(0, ProcessHandle.current().info().command().orElseThrow());
        String modelMount = container.path("volumeMounts").path(0).path("mountPath").asText();
        command.replaceAll(arg -> arg.equals(modelMount) ? modelVolume.toString() : arg);
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.resolve("gateway/target/quarkus-app").toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(variables);
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the Job's command ran over 2 minutes: " + Files.readString(log));
        }
        return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static String expand(String value, Map<String, String> variables) {
        Matcher reference = REFERENCE.matcher(value);
        return reference.replaceAll(m -> Matcher.quoteReplacement(variables.getOrDefault(m.group(1), m.group())));
    }
}
