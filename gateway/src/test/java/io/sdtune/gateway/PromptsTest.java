package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** Control characters in prompts, other than line breaks and tabs, are refused by the contracts' rules. */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class PromptsTest {

    @Test
    void aGenerationPromptWithAControlCharacterIsRefusedNamingTheField() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"a cat\\u0007\", \"negative_prompt\": \"blurry\\u0000\"}")
                .when().post("/api/generations")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("problems", hasItems("prompt contains the control character U+0007",
                        "negative_prompt contains the control character U+0000"));
    }

    @Test
    void lineBreaksAndTabsAreTaken() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"a cat,\\n\\tsitting\\r\\n\", \"negative_prompt\": \"blurry\\tdark\"}")
                .when().post("/api/generations")
                .then().statusCode(202);
    }

    @Test
    void aTrainingPromptWithAnEscapeIsRefusedNamingTheField() {
        given().contentType(ContentType.JSON)
                .body("{\"method\": \"LORA\", \"dataset_id\": \"no-such-dataset\", \"instance_prompt\": \"a photo of sks\","
                        + " \"validation_prompt\": \"sks \\u001b[31mred\"}")
                .when().post("/api/trainings")
                .then().statusCode(400)
                .body("problems", hasItem("validation_prompt contains the control character U+001B"));
    }
}
