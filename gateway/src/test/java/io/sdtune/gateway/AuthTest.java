package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.auth.ApiKey;
import io.sdtune.contracts.auth.ApiKeyFormat;
import io.sdtune.contracts.json.JsonCodec;
import io.smallrye.jwt.build.Jwt;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Who calls: an API key of the keys file or one an admin created, or a JWT of the test issuer ({@link TestIssuer});
 * without either no /api route answers, while the web UI's files and health stay open.
 */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AuthTest {
    private static final String UNKNOWN_KEY = "invalid bearer token: an API key this gateway does not know, or one revoked";

    private static String keyIdOf(String key) {
        return "file." + ApiKeyFormat.sha256(key).substring(0, 12);
    }

    private static void refused(Response response, String detail) {
        response.then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                .body("title", equalTo("Unauthorized"))
                .body("detail", equalTo(detail));
    }

    @Test
    void withoutATokenAnApiRouteIs401WithAProblemAndAChallenge() {
        // the last a route of the tests only, which no annotation protects
        for (String path : List.of("/api/adapters", "/api/whoami", "/api/admin/api-keys", "/api/trainings/any",
                "/api/test/failure")) {
            RestAssured.given().get(path).then().statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", "Bearer")
                    .body("status", equalTo(401))
                    .body("detail", equalTo("authentication required: send Authorization: Bearer <API key or access token>"));
        }
        RestAssured.given().header("Authorization", "Basic dXNlcjpwYXNz").get("/api/adapters").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer");
    }

    @Test
    void aKeyTheGatewayDoesNotKnowIs401() {
        refused(as(ApiKeyFormat.newKey()).get("/api/adapters"), UNKNOWN_KEY);
        refused(as("sdt_short").get("/api/adapters"), UNKNOWN_KEY);
    }

    @Test
    void aKeyIsACallerOfItsTenantKnownByItsKeyId() {
        as(Callers.TENANT_A).get("/api/whoami").then().statusCode(200)
                .body("tenant", equalTo("tenant-a")).body("principal", equalTo(keyIdOf(Callers.TENANT_A)))
                .body("admin", equalTo(false));
        as(Callers.TENANT_B).get("/api/whoami").then().statusCode(200)
                .body("tenant", equalTo("tenant-b")).body("principal", equalTo(keyIdOf(Callers.TENANT_B)));
        as(Callers.ADMIN).get("/api/whoami").then().statusCode(200)
                .body("tenant", equalTo("ops")).body("admin", equalTo(true));
        as(Callers.TENANT_A).get("/api/adapters").then().statusCode(200);
    }

    @Test
    void aJwtOfTheIssuerIsACallerOfItsTenantClaimKnownByItsSubject() {
        String jwt = TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", "tenant-b"));

        as(jwt).get("/api/whoami").then().statusCode(200)
                .body("tenant", equalTo("tenant-b")).body("principal", equalTo("alice")).body("admin", equalTo(false));
        as(jwt).get("/api/adapters").then().statusCode(200);
        as(TestIssuer.sign(TestIssuer.claims("root").claim("tenant", "ops").groups(Set.of("sdtune-admin"))))
                .get("/api/whoami").then().statusCode(200).body("admin", equalTo(true));
    }

    @Test
    void aJwtExpiredOfAnotherKeyOrIssuerOrWithoutATenantIs401WithTheReason() {
        refused(as(TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", "tenant-a")
                .issuedAt(Instant.now().minusSeconds(7200)).expiresAt(Instant.now().minusSeconds(600))))
                .get("/api/whoami"), "invalid bearer token: the JWT has expired");
        String another = "invalid bearer token: neither an API key nor a JWT this gateway accepts (its signature, issuer "
                + "or lifetime)";
        refused(as(TestIssuer.claims("alice").claim("tenant", "tenant-a").sign(TestIssuer.newKeys().getPrivate()))
                .get("/api/whoami"), another);
        refused(as(TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", "tenant-a").issuer("https://elsewhere.test")))
                .get("/api/whoami"), another);
        refused(as("not.a.jwt").get("/api/whoami"), another);
        refused(as(TestIssuer.sign(TestIssuer.claims("alice"))).get("/api/whoami"),
                "invalid bearer token: the JWT has no 'tenant' claim, a string naming the caller's tenant");
        String notAnId = "invalid bearer token: the JWT's 'tenant' claim must be 1 to 64 lower-case letters, digits, "
                + "'.', '_' or '-', starting with a letter or digit";
        refused(as(TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", "../tenant-b"))).get("/api/whoami"), notAnId);
        refused(as(TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", 42))).get("/api/whoami"), notAnId);
        refused(as(TestIssuer.sign(Jwt.issuer(TestIssuer.ISSUER).upn("bob").claim("tenant", "tenant-a").expiresIn(3600)))
                .get("/api/whoami"), "invalid bearer token: the JWT has no 'sub' claim");
    }

    @Test
    void anAdminCreatesAKeyWhichWorksIsListedWithoutItsSecretAndOnceRevokedIs401() {
        ExtractableResponse<Response> created = as(Callers.ADMIN).contentType(ContentType.JSON)
                .body("{\"tenant\": \"tenant-c\", \"name\": \"ci pipeline\"}")
                .post("/api/admin/api-keys")
                .then().statusCode(201)
                .body("tenant", equalTo("tenant-c")).body("name", equalTo("ci pipeline")).body("admin", equalTo(false))
                .body("key", matchesPattern("sdt_[A-Za-z0-9_-]{43}")).body("created", containsString("T"))
                .extract();
        String key = created.path("key");
        String keyId = created.path("key_id");

        as(key).get("/api/whoami").then().statusCode(200)
                .body("tenant", equalTo("tenant-c")).body("principal", equalTo(keyId));
        String listed = as(Callers.ADMIN).get("/api/admin/api-keys").then().statusCode(200)
                .body("find { it.key_id == '" + keyId + "' }.name", equalTo("ci pipeline"))
                .body("find { it.key_id == '" + keyId + "' }.tenant", equalTo("tenant-c"))
                .body("find { it.key_id == '" + keyId + "' }.key", nullValue())
                .extract().asString();
        assertThat(listed).doesNotContain(key).doesNotContain(ApiKeyFormat.sha256(key));
        ApiKey published = JsonCodec.decode(Broker.await(Topics.API_KEYS, keyId).value().getBytes(StandardCharsets.UTF_8),
                ApiKey.class);
        assertThat(published).isEqualTo(new ApiKey(keyId, "tenant-c", ApiKeyFormat.sha256(key), "ci pipeline", false));

        as(Callers.ADMIN).delete("/api/admin/api-keys/" + keyId).then().statusCode(204);

        assertThat(Broker.awaitTombstone(Topics.API_KEYS, keyId).value()).isNull();
        refused(as(key).get("/api/whoami"), UNKNOWN_KEY);
        as(Callers.ADMIN).get("/api/admin/api-keys").then().body("key_id", not(hasItem(keyId)));
        as(Callers.ADMIN).delete("/api/admin/api-keys/" + keyId).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void aKeyRequestIsRefusedWithEveryProblem() {
        as(Callers.ADMIN).contentType(ContentType.JSON)
                .body("{\"tenant\": \"Tenant/C\", \"name\": \"\", \"key_id\": \"mine\", \"expires\": 3}")
                .post("/api/admin/api-keys")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", startsWith("invalid API key: "))
                .body("problems", hasItem(containsString("unknown field expires")));
        as(Callers.ADMIN).contentType(ContentType.JSON)
                .body("{\"tenant\": \"Tenant/C\", \"name\": \"\", \"key_id\": \"mine\"}")
                .post("/api/admin/api-keys")
                .then().statusCode(400)
                .body("problems", containsInAnyOrder(
                        "key_id is set by the gateway, leave it out",
                        "tenant must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or "
                                + "digit, got 'Tenant/C'",
                        "name must not be empty"));
    }

    @Test
    void whoIsNoAdminIs403OnTheAdminApi() {
        String user = TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", "tenant-a").groups(Set.of("users")));
        for (String token : List.of(Callers.TENANT_A, user)) {
            as(token).get("/api/admin/api-keys").then().statusCode(403)
                    .contentType("application/problem+json")
                    .body("title", equalTo("Forbidden"))
                    .body("detail", equalTo("the caller lacks the role this route needs"));
            as(token).contentType(ContentType.JSON).body("{\"tenant\": \"tenant-a\", \"name\": \"mine\"}")
                    .post("/api/admin/api-keys").then().statusCode(403);
            as(token).delete("/api/admin/api-keys/any").then().statusCode(403);
        }
    }

    @Test
    void theWebUiHealthMetricsAndOpenApiStayOpenEvenToABadToken() {
        for (String path : List.of("/", "/app.js", "/style.css", "/q/health", "/q/health/ready", "/q/metrics", "/q/openapi")) {
            RestAssured.given().get(path).then().statusCode(200);
            as(ApiKeyFormat.newKey()).get(path).then().statusCode(200);
        }
    }

    @Test
    void answersCarryTheSecurityHeadersNoCookieAndNoCorsPermission() {
        for (Response response : List.of(RestAssured.given().get("/"), as(Callers.TENANT_A).get("/api/adapters"),
                RestAssured.given().get("/api/adapters"))) {
            response.then()
                    .header("Content-Security-Policy", startsWith("default-src 'self'; img-src 'self' blob: data:;"))
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Referrer-Policy", "no-referrer")
                    .header("Set-Cookie", nullValue());
        }
        RestAssured.given().header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")
                .options("/api/adapters")
                .then().header("Access-Control-Allow-Origin", nullValue()).header("Access-Control-Allow-Headers", nullValue());
        as(Callers.TENANT_A).header("Origin", "https://evil.example").get("/api/adapters")
                .then().statusCode(200).header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void aFailureOfTheGatewayGivesAnErrorIdNotTheException() {
        Callers.given().get("/api/test/failure").then().statusCode(500)
                .contentType("application/problem+json")
                .body("detail", matchesPattern("the gateway failed; error id [0-9a-f-]{36} \\(in its log\\), try again later"))
                .body(not(containsString(FailingResource.SECRET))).body(not(containsString("IllegalStateException")));
    }
}
