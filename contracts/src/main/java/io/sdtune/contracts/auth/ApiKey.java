package io.sdtune.contracts.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;

/**
 * An API key the gateway accepts, created by an admin: the {@code tenant} its holder acts for, and the
 * {@code sha256} (lower-case hex) of the key itself, which only its holder has - a leaked topic gives no key
 * away. {@code name} says what it is for, for the admins' list; {@code admin} keys may create and revoke
 * keys. On the compacted {@code api.keys} topic under {@code key_id}; a tombstone (null value) revokes it.
 */
@SchemaVersion(1)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ApiKey(
        String keyId,
        String tenant,
        String sha256,
        String name,
        boolean admin) implements Message {

    @Override
    public String key() {
        return keyId;
    }

    @Override
    public void check(Problems p) {
        p.required("key_id", keyId, Syntax.ID);
        p.required("tenant", tenant, Syntax.ID);
        p.required("sha256", sha256, Syntax.SHA256);
        p.required("name", name);
        p.text("name", name, Limits.MAX_KEY_NAME_CHARS, false);
    }
}
