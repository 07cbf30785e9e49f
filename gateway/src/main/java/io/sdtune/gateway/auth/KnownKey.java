package io.sdtune.gateway.auth;

import java.time.Instant;

/**
 * An API key the gateway accepts, without its secret: the id its holder is known by (the principal), the
 * tenant it acts for, what it is for, whether it is an admin's; {@code created} is when it was published on
 * {@code api.keys}, absent for a key of the keys file.
 */
public record KnownKey(String keyId, String tenant, String name, boolean admin, Instant created) {
}
