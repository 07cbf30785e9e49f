package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.as;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Without a JWT issuer the gateway starts, and a JWT authenticates no one while API keys still do. */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES,
        initArgs = @ResourceArg(name = Platform.JWT_ISSUER, value = "none"))
class ApiKeysOnlyTest {

    @Test
    void aJwtIs401AndAKeyIsACaller() {
        as(TestIssuer.sign(TestIssuer.claims("alice").claim("tenant", "tenant-a"))).get("/api/whoami")
                .then().statusCode(401).contentType("application/problem+json")
                .body("detail", equalTo("invalid bearer token: neither an API key nor a JWT this gateway accepts (its "
                        + "signature, issuer or lifetime)"));
        as(Callers.TENANT_A).get("/api/whoami").then().statusCode(200).body("tenant", equalTo("tenant-a"));
    }
}
