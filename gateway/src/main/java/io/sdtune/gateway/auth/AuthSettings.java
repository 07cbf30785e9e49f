package io.sdtune.gateway.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Who may call the API: API keys from a file and the {@code api.keys} topic, JWTs with a tenant claim, the admins' role. */
@ConfigMapping(prefix = "sdtune.gateway.auth")
public interface AuthSettings {

    /** {@code TENANT KEY [admin]} lines ({@link ApiKeyFile}), read and hashed at start; absent: the topic's keys only. */
    Optional<Path> apiKeysFile();

    /** The JWT claim that names the caller's tenant. */
    @WithDefault("tenant")
    String tenantClaim();

    /**
     * The role of admins: a JWT's groups that hold it, and API keys marked admin, may create and revoke keys. Its
     * value is in application.properties, where the admin API's HTTP permission refers to it.
     */
    String adminRole();
}
