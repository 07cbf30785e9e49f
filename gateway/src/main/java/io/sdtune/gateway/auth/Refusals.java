package io.sdtune.gateway.auth;

import io.quarkus.security.AuthenticationFailedException;
import java.util.Map;
import org.jose4j.jwt.consumer.InvalidJwtException;

/** Bearer tokens refused, and why, in words for the caller. */
public final class Refusals {
    /** The attribute of a failure that holds a reason the gateway found itself. */
    private static final String REASON = "io.sdtune.gateway.refusal";

    private Refusals() {
    }

    static AuthenticationFailedException refused(String reason) {
        return new AuthenticationFailedException(reason, Map.of(REASON, reason));
    }

    /**
     * Why {@code failure} refused a token: the gateway's own reason, else whether the JWT expired; the rest of what
     * SmallRye JWT found (a signature of another key, another issuer) is told as one sentence, since its messages
     * quote the token's claims.
     */
    public static String reasonOf(AuthenticationFailedException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof AuthenticationFailedException refused && refused.getAttribute(REASON) != null) {
                return refused.getAttribute(REASON);
            }
            if (cause instanceof InvalidJwtException invalid && invalid.hasExpired()) {
                return "the JWT has expired";
            }
        }
        return "neither an API key nor a JWT this gateway accepts (its signature, issuer or lifetime)";
    }
}
