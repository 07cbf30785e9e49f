package io.sdtune.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
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

        assertThat(objects.list("datasets/" + datasetId + "/")).containsExactlyInAnyOrder(
                "datasets/" + datasetId + "/000.png", "datasets/" + datasetId + "/001.jpg",
                "datasets/" + datasetId + "/manifest.json");
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
        byte[] bomb = Images.blank("png", 17_000);

        assertThat(bomb.length).as("within the test profile's 64 KiB per file").isLessThan(65_536);
        assertRefused(given().multiPart("images", "bomb.png", bomb, "image/png"),
                "images[0] (bomb.png) is 17000x17000 pixels, at most 16384 a side");
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

    private void assertRefused(RequestSpecification upload, String reason) throws IOException {
        List<String> before = objects.list("datasets/");
        upload.when().post("/api/datasets")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("title", containsString("Bad Request"))
                .body("problems", hasItem(containsString(reason)));
        assertThat(objects.list("datasets/")).isEqualTo(before);
    }
}
