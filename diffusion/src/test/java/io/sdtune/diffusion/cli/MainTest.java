package io.sdtune.diffusion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.image.Png;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.diffusion.weights.SafeTensorsDType;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
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
    void makesImagesOfTheWorldWithCaptionsAndJudgesThem(@TempDir Path dir) throws Exception {
        Path world = dir.resolve("world");

        assertThat(sd("make-world", world.toString(), "--num_images", "5", "--seed", "3")).as(err.toString()).isZero();
        assertThat(sd("judge", world.toString())).as(err.toString()).isZero();
        String caption = Files.readAllLines(world.resolve("metadata.jsonl")).get(0);
        String other = caption.contains("red") ? "a large green cross in the middle, on a white background"
                : "a large red cross in the middle, on a white background";
        assertThat(sd("judge", world.resolve("000000.png").toString(), "--caption", other)).as(err.toString()).isZero();

        assertThat(Files.list(world).filter(p -> p.toString().endsWith(".png")).count()).isEqualTo(5);
        assertThat(caption).startsWith("{").contains("\"file_name\":\"000000.png\"").contains("background\"");
        assertThat(out.toString()).contains("mean score 1.0000 over 5 image(s)").contains("000000.png: 0.")
                .contains("missed");
        Path varied = dir.resolve("varied");
        assertThat(sd("make-world", varied.toString(), "--num_images", "5", "--seed", "3", "--captions", "varied"))
                .as(err.toString()).isZero();
        assertThat(varied.resolve("000004.png")).hasSameBinaryContentAs(world.resolve("000004.png"));
        assertThat(Files.readString(varied.resolve("metadata.jsonl")))
                .isNotEqualTo(Files.readString(world.resolve("metadata.jsonl")));
        assertThat(sd("make-world", varied.toString(), "--captions", "terse")).isEqualTo(2);
        assertThat(err.toString()).contains("--captions must be whole or varied, got terse");
    }

    @Test
    void redrawsAnImageFromTheParametersInItsPng(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        Path first = dir.resolve("first.png");
        Path again = dir.resolve("again.png");
        assertThat(sd("make-tiny-model", model.toString())).isZero();
        assertThat(sd("generate", "--pretrained_model_name_or_path", model.toString(), "--prompt", "a red fox, snow",
                "--negative_prompt", "blurry", "--num_inference_steps", "3", "--scheduler", "dpmpp_2m",
                "--guidance_scale", "5", "--seed", "123", "--height", "128", "--width", "64", "--output",
                first.toString())).as(err.toString()).isZero();

        assertThat(sd("generate", "--pretrained_model_name_or_path", model.toString(), "--from_png", first.toString(),
                "--output", again.toString())).as(err.toString()).isZero();

        assertThat(Png.readText(again)).isEqualTo(Png.readText(first));
        assertThat(pixels(again)).isEqualTo(pixels(first));
        assertThat(sd("generate", "--pretrained_model_name_or_path", model.toString(), "--from_png", first.toString(),
                "--seed", "1", "--output", again.toString())).isEqualTo(2);
    }

    private static int[] pixels(Path png) throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void trainsWithTrainTextEncoderAndGeneratesWithTheResult(@TempDir Path dir) throws Exception {
        // With gradient accumulation and (for DreamBooth) prior preservation, which run the text encoder too.
        Path model = dir.resolve("tiny");
        Path images = Files.createDirectories(dir.resolve("cat-toy"));
        ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "png", images.resolve("0.png").toFile());
        assertThat(sd("make-tiny-model", model.toString())).isZero();
        List<String> common = List.of("--pretrained_model_name_or_path", model.toString(), "--instance_data_dir",
                images.toString(), "--instance_prompt", "a photo of <cat-toy>", "--resolution", "64",
                "--train_batch_size", "1", "--gradient_accumulation_steps", "2", "--max_train_steps", "1",
                "--train_text_encoder");
        List<String> withPriorPreservation = new ArrayList<>(common);
        withPriorPreservation.addAll(List.of("--with_prior_preservation", "--class_data_dir",
                dir.resolve("toys").toString(), "--class_prompt", "a photo of a toy", "--num_class_images", "1"));
        Path lora = dir.resolve("lora");
        Path dreambooth = dir.resolve("dreambooth");

        assertThat(train("train_dreambooth_lora", lora, common)).as(err.toString()).isZero();
        assertThat(train("train_dreambooth", dreambooth, withPriorPreservation)).as(err.toString()).isZero();
        assertThat(sd("generate", "--pretrained_model_name_or_path", dreambooth.toString(), "--prompt", "a <cat-toy>",
                "--num_inference_steps", "2", "--seed", "1", "--lora", lora.resolve("pytorch_lora_weights.safetensors")
                + ":0.5", "--output", dir.resolve("out.png").toString())).as(err.toString()).isZero();
        assertThat(sd("convert-lora", lora.resolve("pytorch_lora_weights.safetensors").toString(),
                dir.resolve("kohya.safetensors").toString(), "--to", "kohya", "--pretrained_model_name_or_path",
                model.toString())).as(err.toString()).isZero();
        assertThat(sd("convert-lora", dir.resolve("kohya.safetensors").toString(),
                dir.resolve("diffusers.safetensors").toString(), "--to", "diffusers", "--pretrained_model_name_or_path",
                model.toString())).as(err.toString()).isZero();

        assertThat(out.toString()).contains("training LoRA rank 4 (UNet and text encoder)")
                .contains("training the UNet and the text encoder").contains("saved " + dreambooth).contains("saved " + dir.resolve("out.png"))
                .contains("32 UNet layers (rank 4), 8 text encoder layers (rank 4), kohya layout")
                .contains("32 UNet layers (rank 4), 8 text encoder layers (rank 4), diffusers layout");
        // Back from kohya, the trained file comes out byte for byte: the same keys, tensors and header.
        assertThat(dir.resolve("diffusers.safetensors"))
                .hasSameBinaryContentAs(lora.resolve("pytorch_lora_weights.safetensors"));
    }

    private int train(String command, Path outputDir, List<String> flags) {
        List<String> args = new ArrayList<>(List.of(command, "--output_dir", outputDir.toString()));
        args.addAll(flags);
        return sd(args.toArray(String[]::new));
    }

    @Test
    void convertsADiffusersFolderToOneCheckpointInTheOriginalNaming(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        Path checkpoint = dir.resolve("tiny.safetensors");
        assertThat(sd("make-tiny-model", model.toString())).isZero();
        String command = "convert_diffusers_to_original_stable_diffusion";

        assertThat(sd(command, "--model_path", model.toString(), "--checkpoint_path", checkpoint.toString(), "--half",
                "--use_safetensors")).as(err.toString()).isZero();

        try (SafeTensors written = SafeTensors.open(checkpoint)) {
            assertThat(written.keys()).contains("model.diffusion_model.input_blocks.0.0.weight",
                    "first_stage_model.decoder.mid.attn_1.proj_out.weight",
                    "cond_stage_model.transformer.text_model.final_layer_norm.weight");
            assertThat(written.keys()).allMatch(k -> written.info(k).dtype() == SafeTensorsDType.F16);
            assertThat(out.toString()).contains("wrote " + checkpoint + ": " + written.keys().size() + " tensors, ")
                    .contains(", float16");
        }
        try (StableDiffusion single = StableDiffusion.load(checkpoint, model)) {
            assertThat(single.name()).isEqualTo("tiny");
        }
        // What the script would write as a pickle is refused, not written in another format under its name.
        assertThat(sd(command, "--model_path", model.toString(), "--checkpoint_path",
                dir.resolve("a.safetensors").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--use_safetensors is required");
        assertThat(sd(command, "--model_path", model.toString(), "--checkpoint_path",
                dir.resolve("model.ckpt").toString(), "--use_safetensors")).isEqualTo(2);
        assertThat(err.toString()).contains("--checkpoint_path must end in .safetensors");
        assertThat(dir.resolve("a.safetensors")).doesNotExist();
        assertThat(dir.resolve("model.ckpt")).doesNotExist();
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
        assertThat(err.toString()).contains("unknown command 'train'").contains("generate, judge, make-tiny-model, make-world");
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
