package io.sdtune.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * An API key is {@code sdt_} and 32 random bytes in base64url (43 characters): the prefix lets secret scanners
 * find a leaked one and tells the gateway's mechanism its tokens from JWTs. Only its SHA-256 is kept: a hash
 * without salt or stretching is enough for 256 random bits, which no dictionary holds.
 */
public final class ApiKeyFormat {
    static final String PREFIX = "sdt_";
    static final String DESCRIPTION = PREFIX + " followed by 43 base64url characters (32 random bytes)";
    private static final Pattern KEY = Pattern.compile(PREFIX + "[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeyFormat() {
    }

    public static String newKey() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** Whether a bearer token is meant as an API key (else it is left to the JWT mechanism). */
    static boolean isApiKey(String token) {
        return token.startsWith(PREFIX);
    }

    static boolean wellFormed(String key) {
        return KEY.matcher(key).matches();
    }

    /** Lower-case hex of the SHA-256 of the whole key, prefix included: {@code printf %s "$KEY" | sha256sum}. */
    public static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
