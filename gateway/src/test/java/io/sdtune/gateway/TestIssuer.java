package io.sdtune.gateway;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The OIDC provider of the tests, as much of one as the gateway sees: an RSA key whose public half is the PEM file
 * the test profile names (mp.jwt.verify.publickey.location, and this issuer mp.jwt.verify.issuer) and whose private
 * half signs the tests' JWTs. Made
 * once per build directory; the files are the only state, so the test resource that writes them and the tests
 * that sign with them agree whichever class loader each runs in.
 */
final class TestIssuer {
    static final String ISSUER = "https://issuer.sdtune.test";
    private static final Path DIRECTORY = Path.of("target/test-issuer");
    private static final Path PUBLIC_KEY = DIRECTORY.resolve("public.pem");
    private static final Path PRIVATE_KEY = DIRECTORY.resolve("private.pk8");

    private TestIssuer() {
    }

    /** Writes the key pair, unless it was written before. */
    static synchronized void writeKeys() {
        if (Files.exists(PUBLIC_KEY) && Files.exists(PRIVATE_KEY)) {
            return;
        }
        KeyPair keys = newKeys();
        try {
            Files.createDirectories(DIRECTORY);
            Files.write(PRIVATE_KEY, keys.getPrivate().getEncoded());
            Files.writeString(PUBLIC_KEY, "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static KeyPair newKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims of this issuer for {@code subject}, valid for an hour from now. */
    static JwtClaimsBuilder claims(String subject) {
        return Jwt.issuer(ISSUER).subject(subject).expiresIn(3600);
    }

    /** Signed with the issuer's key. */
    static String sign(JwtClaimsBuilder claims) {
        writeKeys();
        try {
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(PRIVATE_KEY)));
            return claims.sign(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
