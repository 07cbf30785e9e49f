package io.sdtune.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.auth.ApiKeyFormat;
import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The platform as {@code bin/sdtune} runs it, for a test class (a static {@code @RegisterExtension} field): the
 * tiny base model, CPU, a data dir of its own under {@code target/it/}, a free port; with what the tests reach
 * it through from outside - the gateway's API, the topics and the store.
 */
final class RunningPlatform implements BeforeAllCallback, AfterAllCallback {
    private final String dataDirPrefix;
    private final List<String> tenants;
    private Platform platform;
    private GatewayClient gateway;
    private TopicRecords topics;
    private ObjectStore objects;

    /** The platform of the embedded default: one tenant, {@code local}, with the key it makes at its start. */
    RunningPlatform(String dataDirPrefix) {
        this(dataDirPrefix, List.of());
    }

    /** With a key for each of {@code tenants} beside {@code local}'s, in the keys file the platform finds. */
    RunningPlatform(String dataDirPrefix, List<String> tenants) {
        this.dataDirPrefix = dataDirPrefix;
        this.tenants = tenants;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path home = Path.of(System.getProperty("sdtune.home", "..")).toAbsolutePath();
        Path dataDir = TestDirectories.create(dataDirPrefix);
        Path keys = LocalApiKeys.ensure(dataDir);
        for (String tenant : tenants) {
            Files.writeString(keys, tenant + " " + ApiKeyFormat.newKey() + "\n", StandardOpenOption.APPEND);
        }
        platform = Platform.start(new Platform.Options(home, dataDir, Platform.freePort(), "cpu", BaseModel.TINY),
                System.out::println);
        Map<String, String> config = platform.infrastructure().config();
        objects = ObjectStore.open(new StoreConfig(config.get("sdtune.store.endpoint"),
                config.get("sdtune.store.access-key"), config.get("sdtune.store.secret-key"),
                config.get("sdtune.store.bucket")));
        gateway = new GatewayClient(platform.gateway(), apiKey());
        topics = new TopicRecords(config);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (objects != null) {
                objects.close();
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
    }

    Platform platform() {
        return platform;
    }

    /** A client of the gateway calling as the tenant {@code local}. */
    GatewayClient gateway() {
        return gateway;
    }

    /** The API key of the tenant {@code local}, which the platform made at its start. */
    String apiKey() {
        return platform.localApiKey().orElseThrow();
    }

    /** A client calling as {@code tenant}, one of those given at construction. */
    GatewayClient gatewayOf(String tenant) {
        return new GatewayClient(platform.gateway(), LocalApiKeys.keyOf(platform.apiKeys(), tenant).orElseThrow());
    }

    TopicRecords topics() {
        return topics;
    }

    ObjectStore objects() {
        return objects;
    }

    ArtifactStore artifacts() {
        return new ArtifactStore(objects);
    }

    /** A LoRA job's request on {@code datasetId} at the tiny model's size, seed 42: the same request trains the same weights. */
    static ObjectNode lora(GatewayClient gateway, String datasetId, int steps, int checkpointingSteps) {
        ObjectNode request = gateway.object().put("method", "LORA").put("dataset_id", datasetId)
                .put("instance_prompt", "a photo of <cat-toy>");
        request.putObject("hyper_parameters")
                .put("resolution", BaseModel.TINY.resolution())
                .put("max_train_steps", steps)
                .put("checkpointing_steps", checkpointingSteps)
                .put("seed", 42);
        return request;
    }
}
