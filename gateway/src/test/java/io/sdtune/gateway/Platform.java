package io.sdtune.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sdtune.embedded.EmbeddedPlatform;
import java.util.HashMap;
import java.util.Map;

/**
 * A real Kafka broker and a real S3 server for the gateway under test, with every topic of the contracts; and the
 * key of the issuer of the JWTs the tests sign ({@link TestIssuer}), written where the test profile has the
 * gateway read it - unless the argument {@value #JWT_ISSUER} is {@code none}: then the gateway has no issuer, as a
 * deployment of API keys only.
 */
public class Platform implements QuarkusTestResourceLifecycleManager {
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
