package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-image captions as diffusers' imagefolder and kohya keep them, carried by the training images. */
class ImageCaptionsTest {

    private static void image(Path dir, String name) throws Exception {
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", dir.resolve(name).toFile());
    }

    @Test
    void metadataJsonlAndKohyasTextFilesCaptionTheirImagesAndAreNoImages(@TempDir Path dir) throws Exception {
        image(dir, "a.png");
        image(dir, "b.png");
        image(dir, "c.png");
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("a.png", "a red circle");
        ImageCaptions.write(dir, metadata);
        Files.writeString(dir.resolve("b.txt"), "a blue star\n");
        Files.writeString(dir.resolve("a.txt"), "not this one: metadata.jsonl names a.png");

        List<InstanceImages.Image> images = InstanceImages.load(dir, 16, InstanceImages.Crop.CENTER, false).images();

        assertThat(ImageCaptions.read(dir)).containsExactly(Map.entry("a.png", "a red circle"),
                Map.entry("b.png", "a blue star"));
        assertThat(images).extracting(InstanceImages.Image::caption).containsExactly("a red circle", "a blue star", null);
        assertThat(InstanceImages.count(dir)).isEqualTo(3);
    }

    @Test
    void aMetadataLineWithoutFileNameAndTextIsNamed(@TempDir Path dir) throws Exception {
        image(dir, "a.png");
        Files.writeString(dir.resolve(ImageCaptions.METADATA), "{\"file_name\": \"a.png\", \"text\": \"ok\"}\n{\"image\": 1}\n");

        assertThatThrownBy(() -> ImageCaptions.read(dir)).hasMessageContaining("metadata.jsonl line 2: expected "
                + "{\"file_name\": ..., \"text\": ...}");
    }

    @Test
    void anImageCaptionedOnTwoMetadataLinesIsNamedRatherThanOneLineWinning() {
        assertThatThrownBy(() -> ImageCaptions.parseMetadata("metadata.jsonl", List.of(
                "{\"file_name\": \"a.png\", \"text\": \"a red circle\"}", "",
                "{\"file_name\": \"a.png\", \"text\": \"a blue star\"}")))
                .hasMessage("metadata.jsonl line 3: a.png is captioned on an earlier line too");
    }

    @Test
    void captionsWrittenAsMetadataReadBackInOrder() {
        Map<String, String> captions = new LinkedHashMap<>();
        captions.put("b.png", "a \"quoted\" star\non two lines");
        captions.put("a.png", "a red circle");

        assertThat(ImageCaptions.parseMetadata("written", ImageCaptions.toMetadata(captions).lines().toList()))
                .containsExactlyEntriesOf(captions);
        assertThat(ImageCaptions.captionFileOf("cat.1.jpg")).isEqualTo("cat.1.txt");
    }
}
