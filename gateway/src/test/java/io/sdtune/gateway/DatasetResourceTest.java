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
import io.sdtune.diffusion.training.ImageCaptions;
import io.sdtune.storage.ObjectStore;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
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
    void kohyasCaptionFilesAndAMetadataJsonlAreStoredAsOneMetadataJsonlByTheStoredNames() throws IOException {
        String datasetId = given()
                .multiPart("images", "cat1.png", Images.noise("png", 32, 1), "image/png")
                .multiPart("images", "cat1.txt", "\uFEFFa <cat-toy> on a green background\n".getBytes(StandardCharsets.UTF_8),
                        "text/plain")
                .multiPart("images", "cat2.jpg", Images.noise("jpg", 32, 2), "image/jpeg")
                .multiPart("images", "cat3.png", Images.noise("png", 32, 3), "image/png")
                .multiPart("images", "metadata.jsonl", "{\"file_name\": \"cat3.png\", \"text\": \"a small <cat-toy>\"}\n"
                        .getBytes(StandardCharsets.UTF_8), "application/jsonl")
                .when().post("/api/datasets")
                .then().statusCode(201).extract().path("dataset_id");

        String prefix = "tenants/tenant-a/datasets/" + datasetId + "/";
        assertThat(objects.list(prefix)).containsExactlyInAnyOrder(prefix + "000.png", prefix + "001.jpg",
                prefix + "002.png", prefix + ImageCaptions.METADATA, prefix + "manifest.json");
        try (InputStream metadata = objects.open(prefix + ImageCaptions.METADATA)) {
            assertThat(ImageCaptions.parseMetadata("stored", new String(metadata.readAllBytes(), StandardCharsets.UTF_8)
                    .lines().toList())).containsExactly(Map.entry("000.png", "a <cat-toy> on a green background"),
                    Map.entry("002.png", "a small <cat-toy>"));
        }
    }

    @Test
    void captionsThatNameNoImageOrOneTwiceOrAreTooLongAreRefusedAndNothingIsStored() throws IOException {
        assertRefused(given()
                .multiPart("images", "a.png", Images.noise("png", 32, 1), "image/png")
                .multiPart("images", "b.png", Images.noise("png", 32, 2), "image/png")
                .multiPart("images", "c.txt", "a caption of no image".getBytes(StandardCharsets.UTF_8), "text/plain")
                .multiPart("images", "a.txt", "a red circle".getBytes(StandardCharsets.UTF_8), "text/plain")
                .multiPart("images", "metadata.jsonl", "{\"file_name\": \"a.png\", \"text\": \"again\"}\n{\"file\": 1}"
                        .getBytes(StandardCharsets.UTF_8), "application/jsonl")
                .multiPart("images", "b.txt", "x".repeat(1001).getBytes(StandardCharsets.UTF_8), "text/plain"),
                "images[2] (c.txt) names no uploaded image",
                "images[4] (metadata.jsonl) line 2: expected {\"file_name\": ..., \"text\": ...}",
                "images[5] (b.txt) is longer than 1000 characters (1001)");
        assertRefused(given()
                .multiPart("images", "a.png", Images.noise("png", 32, 1), "image/png")
                .multiPart("images", "a.txt", "a red circle".getBytes(StandardCharsets.UTF_8), "text/plain")
                .multiPart("images", "metadata.jsonl", "{\"file_name\": \"a.png\", \"text\": \"again\"}"
                        .getBytes(StandardCharsets.UTF_8), "application/jsonl")
                .multiPart("images", "b.txt", new byte[] {(byte) 0xC3, (byte) 0x28}, "text/plain")
                .multiPart("images", "b.png", Images.noise("png", 32, 2), "image/png"),
                "images[2] (metadata.jsonl): a.png captions an image that already has a caption",
                "images[3] (b.txt) is not UTF-8 text");
        assertRefused(given().multiPart("images", "a.txt", "a caption alone".getBytes(StandardCharsets.UTF_8), "text/plain"),
                "images: none uploaded");
        RequestSpecification manyCaptions = given().multiPart("images", "a.png", Images.noise("png", 32, 1), "image/png");
        for (int i = 0; i < 7; i++) {
            manyCaptions.multiPart("images", i + ".txt", "a caption".getBytes(StandardCharsets.UTF_8), "text/plain");
        }
        assertRefused(manyCaptions, "captions: 7 caption files uploaded, at most one per image and a metadata.jsonl (6)");
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
