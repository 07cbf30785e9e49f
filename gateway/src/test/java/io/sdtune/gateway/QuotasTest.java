package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.TENANT_Q;
import static io.sdtune.gateway.Callers.as;
import static io.sdtune.gateway.Callers.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * Tenant Q's quotas (the test profile's {@code sdtune.gateway.quotas.tenants."tenant-q".*}): one training at once,
 * one generation waiting, 10 000 bytes stored. Past one, a request is refused 429 with when to try again and which
 * quota it is; other tenants are not affected.
 */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class QuotasTest {

    @Test
    void pastItsWaitingGenerationsATenantIsToldToWait() {
        String body = "{\"prompt\": \"a dog\"}";
        as(TENANT_Q).contentType(ContentType.JSON).body(body).post("/api/generations").then().statusCode(202);

        as(TENANT_Q).contentType(ContentType.JSON).body(body).post("/api/generations")
                .then().statusCode(429).header("Retry-After", "5")
                .body("detail", equalTo("quota: at most 1 generations waiting at once, 1 are"));
        given().contentType(ContentType.JSON).body(body).post("/api/generations").then().statusCode(202);
    }

    @Test
    void pastItsRunningTrainingsATenantIsToldToWait() {
        String datasetId = as(TENANT_Q).multiPart("images", "a.png", Images.noise("png", 16, 1), "image/png")
                .post("/api/datasets").then().statusCode(201).extract().path("dataset_id");
        String body = "{\"method\": \"LORA\", \"dataset_id\": \"" + datasetId + "\", \"instance_prompt\": \"sks\"}";
        as(TENANT_Q).contentType(ContentType.JSON).body(body).post("/api/trainings").then().statusCode(202);

        as(TENANT_Q).contentType(ContentType.JSON).body(body).post("/api/trainings")
                .then().statusCode(429).header("Retry-After", "60")
                .body("detail", startsWith("quota: at most 1 training jobs at once, 1 are running"));
    }

    @Test
    void pastItsStoredBytesAnUploadIsRefused() {
        as(TENANT_Q).multiPart("images", "big.png", Images.noise("png", 64, 2), "image/png")
                .post("/api/datasets")
                .then().statusCode(429).header("Retry-After", "60")
                .body("detail", startsWith("quota: at most 10000 bytes stored"));
        given().multiPart("images", "big.png", Images.noise("png", 64, 2), "image/png")
                .post("/api/datasets").then().statusCode(201);
    }
}
