package io.sdtune.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.embedded.EmbeddedPlatform;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real Kafka broker and a real S3 server for the gateway under test, with every topic of the contracts, and the
 * tiny model (diffusion's TinyModel, seed 0) published as the base model {@value #TINY}, which adapters are imported
 * for and converted against (the profile's default base model is not in the store); and the key of the issuer of
 * the JWTs the tests sign ({@link TestIssuer}), written where the test profile has the gateway read it - unless the
 * argument {@value #JWT_ISSUER} is {@code none}: then the gateway has no issuer, as a deployment of API keys only.
 */
public class Platform implements QuarkusTestResourceLifecycleManager {
    static final String TINY = "tiny";
    static final String JWT_ISSUER = "jwt-issuer";
    /** SmallRye JWT's default of its settings: not configured. */
    private static final String NONE = "NONE";

    private EmbeddedPlatform platform;
    private boolean issuer = true;

    @Override
    public void init(Map<String, String> initArgs) {
        issuer = !"none".equals(initArgs.get(JWT_ISSUER));
    }

    @Override
    public Map<String, String> start() {
        TestIssuer.writeKeys();
        platform = EmbeddedPlatform.start();
        Map<String, String> config = new HashMap<>(platform.config());
        try {
            Path model = Files.createTempDirectory("sdtune-gateway-test").resolve(TINY);
            TinyModel.write(model, TinyModel.Architecture.TINY, DType.FLOAT32, 0, component -> { });
            try (ObjectStore objects = ObjectStore.open(new StoreConfig(config.get("sdtune.store.endpoint"),
                    config.get("sdtune.store.access-key"), config.get("sdtune.store.secret-key"),
                    config.get("sdtune.store.bucket")))) {
                new ArtifactStore(objects).publish(Shelf.MODELS.at(TINY), "BASE_MODEL", ArtifactFile.allIn(model), Map.of());
            }
        } catch (Exception e) {
            platform.close();
            throw new IllegalStateException("cannot publish the tiny base model: " + e.getMessage(), e);
        }
        if (!issuer) {
            config.putAll(Map.of("mp.jwt.verify.publickey.location", NONE, "mp.jwt.verify.issuer", NONE));
        }
        return config;
    }

    @Override
    public void stop() {
        platform.close();
    }
}
