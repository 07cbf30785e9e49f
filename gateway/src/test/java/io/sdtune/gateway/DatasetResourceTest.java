package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.sdtune.storage.ObjectStore;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Uploads, with the test profile's limits: 5 images of at most 64 KiB. */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class DatasetResourceTest {

    @Inject
    ObjectStore objects;

    /** Uploads {@code count} small PNGs and returns the new dataset's id. */
    static String upload(int count) {
        RequestSpecification request = given();
        for (int i = 0; i < count; i++) {
            request.multiPart("images", "cat-" + i + ".png", Images.noise("png", 32, i), "image/png");
        }
        return request.when().post("/api/datasets").then().statusCode(201).extract().path("dataset_id");
    }

    @Test
    void imagesBecomeADatasetWithItsManifest() throws IOException {
        String datasetId = given()
                .multiPart("images", "a.png", Images.noise("png", 32, 1), "image/png")
                .multiPart("images", "b.jpg", Images.noise("jpg", 32, 2), "image/jpeg")
                .when().post("/api/datasets")
                .then().statusCode(201).extract().path("dataset_id");

        assertThat(objects.list("tenants/tenant-a/datasets/" + datasetId + "/")).containsExactlyInAnyOrder(
                "tenants/tenant-a/datasets/" + datasetId + "/000.png", "tenants/tenant-a/datasets/" + datasetId + "/001.jpg",
                "tenants/tenant-a/datasets/" + datasetId + "/manifest.json");
    }

    @Test
    void aFileThatIsNotAnImageIsRefusedAndNothingIsStored() throws IOException {
        assertRefused(given()
                .multiPart("images", "a.png", Images.noise("png", 32, 1), "image/png")
                .multiPart("images", "notes.png", "not an image".getBytes(), "image/png"),
                "images[1] (notes.png) is not an image");
    }

    @Test
    void anImageAboveTheSizeLimitIsRefusedAndNothingIsStored() throws IOException {
        assertRefused(given().multiPart("images", "big.png", Images.noise("png", 256, 1), "image/png"),
                "images[0] (big.png) has");
    }

    @Test
    void aSmallFileOfTooManyPixelsIsRefusedBeforeItIsDecoded() throws IOException {
        byte[] bomb = Images.blank("png", 17_000, 17_000);

        assertThat(bomb.length).as("within the test profile's 64 KiB per file").isLessThan(65_536);
        assertRefused(given().multiPart("images", "bomb.png", bomb, "image/png"),
                "images[0] (bomb.png) is 17000x17000 pixels: 289000000 pixels, at most 16777216 per image");
    }

    @Test
    void anImageOfAtMost4096x4096PixelsIsTakenOneMoreIsRefused() throws IOException {
        given().multiPart("images", "square.png", Images.blank("png", 4096, 4096), "image/png")
                .when().post("/api/datasets")
                .then().statusCode(201);
        assertRefused(given().multiPart("images", "larger.png", Images.blank("png", 4097, 4096), "image/png"),
                "images[0] (larger.png) is 4097x4096 pixels: 16781312 pixels, at most 16777216 per image");
    }

    @Test
    void aStripOfAspectRatioAbove4To1IsRefusedAt4To1ItIsTaken() throws IOException {
        given().multiPart("images", "wide.png", Images.blank("png", 256, 64), "image/png")
                .multiPart("images", "tall.png", Images.blank("png", 64, 256), "image/png")
                .when().post("/api/datasets")
                .then().statusCode(201);
        assertRefused(given()
                .multiPart("images", "ok.png", Images.noise("png", 32, 1), "image/png")
                .multiPart("images", "strip.png", Images.blank("png", 16_384, 64), "image/png")
                .multiPart("images", "column.png", Images.blank("png", 60, 257), "image/png"),
                "images[1] (strip.png) is 16384x64 pixels: an aspect ratio of 256:1, at most 4:1",
                "images[2] (column.png) is 60x257 pixels: an aspect ratio of 4.28:1, at most 4:1");
    }

    @Test
    void tooManyImagesAreRefusedAndNothingIsStored() throws IOException {
        RequestSpecification request = given();
        for (int i = 0; i < 6; i++) {
            request.multiPart("images", i + ".png", Images.noise("png", 16, i), "image/png");
        }
        assertRefused(request, "images: 6 uploaded, at most 5 per dataset");
    }

    @Test
    void anUploadWithoutFilesIsRefused() throws IOException {
        assertRefused(given().multiPart("caption", "just text"), "images: none uploaded");
    }

    private void assertRefused(RequestSpecification upload, String... reasons) throws IOException {
        List<String> before = objects.list("tenants/tenant-a/datasets/");
        ValidatableResponse refusal = upload.when().post("/api/datasets")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("title", containsString("Bad Request"));
        for (String reason : reasons) {
            refusal.body("problems", hasItem(containsString(reason)));
        }
        assertThat(objects.list("tenants/tenant-a/datasets/")).isEqualTo(before);
    }
}
