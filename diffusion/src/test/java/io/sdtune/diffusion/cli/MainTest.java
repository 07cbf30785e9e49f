package io.sdtune.diffusion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.image.Png;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
