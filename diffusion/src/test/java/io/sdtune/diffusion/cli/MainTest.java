package io.sdtune.diffusion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.image.Png;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/sd} as a user runs it: exit status, what it prints, what it writes. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int sd(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void makesATinyModelAndGeneratesFromIt(@TempDir Path dir) {
        Path model = dir.resolve("tiny");
        Path image = dir.resolve("dog.png");

        assertThat(sd("make-tiny-model", model.toString())).isZero();
        assertThat(sd("generate", "--pretrained_model_name_or_path", model.toString(), "--prompt", "a photo of sks dog",
                "--negative_prompt", "blurry", "--num_inference_steps", "3", "--scheduler", "euler_a", "--seed", "7",
                "--output", image.toString())).as(err.toString()).isZero();

        assertThat(Files.isRegularFile(model.resolve("unet/diffusion_pytorch_model.safetensors"))).isTrue();
        assertThat(Png.readText(image).get("parameters")).isEqualTo("a photo of sks dog\nNegative prompt: blurry\n"
                + "Steps: 3, Sampler: Euler a, CFG scale: 7.5, Seed: 7, Size: 64x64, Model: tiny");
        assertThat(out.toString()).contains("saved " + image);
    }

    @Test
    void aMissingModelFailsWithItsPath(@TempDir Path dir) {
        int status = sd("generate", "--pretrained_model_name_or_path", dir.resolve("absent").toString(), "--prompt", "x",
                "--output", dir.resolve("x.png").toString());

        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).startsWith("sd generate: error: ").contains("absent").contains("does not exist");
    }

    @Test
    void usageMistakesExitWithTwo() {
        assertThat(sd("train")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown command 'train'").contains("generate, make-tiny-model");
        assertThat(sd("generate", "--prompt", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("the following argument is required: --pretrained_model_name_or_path");
    }

    @Test
    void trainsOneEpochWithPriorPreservationWhenNoStepCountIsGiven(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        Path images = Files.createDirectories(dir.resolve("cat-toy"));
        assertThat(sd("make-tiny-model", model.toString())).isZero();
        assertThat(sd("generate", "--pretrained_model_name_or_path", model.toString(), "--prompt", "a toy",
                "--num_inference_steps", "2", "--num_images_per_prompt", "2", "--output", images.resolve("toy.png").toString()))
                .as(err.toString()).isZero();
        List<String> common = List.of("train_dreambooth_lora", "--pretrained_model_name_or_path", model.toString(),
                "--instance_data_dir", images.toString(), "--instance_prompt", "a photo of <cat-toy>",
                "--output_dir", dir.resolve("lora").toString(), "--resolution", "64", "--train_batch_size", "1",
                "--with_prior_preservation", "--class_prompt", "a photo of a toy", "--num_class_images", "3");

        assertThat(sd(common.toArray(String[]::new))).isEqualTo(2);
        assertThat(err.toString()).contains("You must specify a data directory for class images (--class_data_dir).");

        List<String> withClassDir = new ArrayList<>(common);
        withClassDir.addAll(List.of("--class_data_dir", dir.resolve("toys").toString()));
        assertThat(sd(withClassDir.toArray(String[]::new))).as(err.toString()).isZero();
        // One epoch: max(2 instance images, 3 class images) samples, one per step.
        assertThat(out.toString()).contains("prior preservation").contains("step 3/3");
        try (var classImages = Files.list(dir.resolve("toys"))) {
            assertThat(classImages.count()).isEqualTo(3);
        }
        assertThat(dir.resolve("lora/pytorch_lora_weights.safetensors")).isRegularFile();
    }
}
