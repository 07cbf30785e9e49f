package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.image.Png;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.LoraStack;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.MemoryEstimate;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.diffusion.weights.WeightSource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning the tiny model on a few synthetic images, on the CPU: LoRA, Textual Inversion and DreamBooth. */
class FineTuningTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path images;

    @BeforeAll
    static void tinyModelAndImages() throws Exception {
        model = dir.resolve("tiny-sd");
        TinyModel.write(model, TinyModel.Architecture.TINY, DType.FLOAT32, 0, file -> { });
        images = catToyImages(dir);
    }

    /** Three synthetic training images, 64 px high and wider than high, in {@code dir/cat-toy}. */
    static Path catToyImages(Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("cat-toy"));
        for (int i = 0; i < 3; i++) {
            BufferedImage image = new BufferedImage(80 + 8 * i, 64, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    image.setRGB(x, y, (200 << 16) | ((40 + x + 30 * i) << 8) | (30 + y));
                }
            }
            ImageIO.write(image, "png", images.resolve(i + ".png").toFile());
        }
        return images;
    }

    private static TrainingArgs args(Path output, double learningRate, int steps) {
        return args(output, learningRate, steps, 0, "");
    }

    private static TrainingArgs args(Path output, double learningRate, int steps, int checkpointingSteps, String resume) {
        return args(output, learningRate, steps, 1, 1, null, checkpointingSteps, resume);
    }

    private static TrainingArgs args(Path output, double learningRate, int steps, int trainBatchSize,
            int gradientAccumulationSteps, PriorPreservation prior, int checkpointingSteps, String resume) {
        return args(output, learningRate, steps, trainBatchSize, gradientAccumulationSteps, prior, checkpointingSteps, resume,
                DType.FLOAT32, false);
    }

    private static TrainingArgs args(Path output, double learningRate, int steps, int trainBatchSize,
            int gradientAccumulationSteps, PriorPreservation prior, int checkpointingSteps, String resume, DType dtype,
            boolean use8bitAdam) {
        return TrainingArgs.builder(model, images, "a photo of <cat-toy>", output).priorPreservation(prior).resolution(64)
                .crop(InstanceImages.Crop.CENTER).trainBatchSize(trainBatchSize)
                .gradientAccumulationSteps(gradientAccumulationSteps).maxTrainSteps(steps).learningRate(learningRate)
                .lrWarmupSteps(0).seed(7).checkpointingSteps(checkpointingSteps).resumeFromCheckpoint(resume)
                .use8bitAdam(use8bitAdam).dtype(dtype).build();
    }

    @Test
    void validationImagesAreDrawnWithTheWeightsSoFar() {
        Path out = dir.resolve("validated");
        TrainingArgs validated = args(out, 1e-3, 4).toBuilder().validationPrompt("A <cat-toy> backpack")
                .validationSteps(2).numValidationImages(1).build();

        Map<Integer, List<Path>> drawn = new TreeMap<>();
        new Trainer(validated, new LoraMethod(4, DType.FLOAT32)).run(new TrainingListener() {
            @Override
            public void onStep(int step, int totalSteps, double loss, double learningRate, double secondsPerStep) {
            }

            @Override
            public void onValidation(int step, List<Path> images) {
                drawn.put(step, images);
            }
        });

        assertThat(drawn).containsExactly(Map.entry(2, List.of(out.resolve("validation/step-2-0.png"))),
                Map.entry(4, List.of(out.resolve("validation/step-4-0.png"))));
        assertThat(out.resolve("validation/step-2-0.png")).isRegularFile();
        assertThat(Png.readText(out.resolve("validation/step-4-0.png")).get("parameters")).startsWith("A <cat-toy> backpack");
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne() throws Exception {
        Path straight = dir.resolve("straight");
        Path interrupted = dir.resolve("interrupted");
        new Trainer(args(straight, 1e-3, 10, 5, ""), new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });
        Map<Integer, Path> checkpoints = new TreeMap<>();
        new Trainer(args(interrupted, 1e-3, 5, 5, ""), new LoraMethod(4, DType.FLOAT32)).run(new TrainingListener() {
            @Override
            public void onStep(int step, int totalSteps, double loss, double learningRate, double secondsPerStep) {
            }

            @Override
            public void onCheckpoint(int step, Path written) {
                checkpoints.put(step, written);
            }
        });
        assertThat(checkpoints).containsExactly(Map.entry(5, interrupted.resolve("checkpoint-5")));
        double[] resumed = new Trainer(args(interrupted, 1e-3, 10, 5, "latest"), new LoraMethod(4, DType.FLOAT32))
                .run((s, t, l, lr, sps) -> { });

        assertThat(resumed[0]).as("steps before the checkpoint are not run again").isZero();
        assertThat(Files.isDirectory(interrupted.resolve("checkpoint-10"))).isTrue();
        try (SafeTensors a = SafeTensors.open(straight.resolve(LoraMethod.ARTIFACT));
                SafeTensors b = SafeTensors.open(interrupted.resolve(LoraMethod.ARTIFACT))) {
            for (String key : a.keys()) {
                assertThat(b.get(key).toFloatArray()).as(key).containsExactly(a.get(key).toFloatArray());
            }
        }
    }

    @Test
    void accumulatingMicroBatchesTrainsAsTheWholeBatchDoes() throws Exception {
        Path whole = dir.resolve("batch-2");
        Path accumulated = dir.resolve("batch-1x2");
        double[] wholeLosses = new Trainer(args(whole, 1e-3, 4, 2, 1, null, 0, ""), new LoraMethod(4, DType.FLOAT32))
                .run((s, t, l, lr, sps) -> { });
        double[] accumulatedLosses = new Trainer(args(accumulated, 1e-3, 4, 1, 2, null, 0, ""),
                new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        assertThat(accumulatedLosses).containsExactly(wholeLosses, within(1e-6));
        assertThat(loraWeights(accumulated)).containsExactly(loraWeights(whole), within(1e-6f));
    }

    @Test
    void float16TrainingKeepsFloat32MastersAndFollowsTheFloat32Run() throws Exception {
        Path half = dir.resolve("lora-fp16");
        Path full = dir.resolve("lora-fp32");
        double[] halfLosses = new Trainer(args(half, 1e-3, 6, 1, 1, null, 0, "", DType.FLOAT16, false),
                new LoraMethod(4, DType.FLOAT16)).run((s, t, l, lr, sps) -> { });
        double[] fullLosses = new Trainer(args(full, 1e-3, 6, 1, 1, null, 0, "", DType.FLOAT32, false),
                new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        // Float16 AdamW would turn the zero gradients of A (B starts at zero) into 0/0: the masters avoid it.
        for (int i = 0; i < fullLosses.length; i++) {
            assertThat(halfLosses[i]).isFinite();
            assertThat(halfLosses[i]).isCloseTo(fullLosses[i], within(2e-3 * fullLosses[i]));
        }
        try (SafeTensors file = SafeTensors.open(half.resolve(LoraMethod.ARTIFACT))) {
            assertThat(file.keys()).allSatisfy(k -> assertThat(file.get(k).dtype()).isEqualTo(DType.FLOAT32));
        }
    }

    @Test
    void randomCropsOfTheWideImagesTrainOtherwiseThanCenterCrops() throws Exception {
        Path centered = dir.resolve("crop-center");
        Path random = dir.resolve("crop-random");
        new Trainer(args(centered, 1e-3, 3), new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });
        TrainingArgs randomCrops = args(random, 1e-3, 3).toBuilder().crop(InstanceImages.Crop.RANDOM).build();
        new Trainer(randomCrops, new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        assertThat(loraWeights(random)).isNotEqualTo(loraWeights(centered));
    }

    @Test
    void priorPreservationGeneratesMissingClassImagesAndAddsTheirWeightedLoss() throws Exception {
        Path classImages = Files.createDirectories(dir.resolve("class-toys"));
        Files.copy(images.resolve("0.png"), classImages.resolve("existing.png"));
        PriorPreservation weighted = new PriorPreservation(classImages, "a photo of a toy", 3, 1.0, 2, DType.FLOAT32);
        PriorPreservation unweighted = new PriorPreservation(classImages, "a photo of a toy", 3, 0.0, 2, DType.FLOAT32);

        new Trainer(args(dir.resolve("prior"), 1e-3, 3, 1, 1, weighted, 0, ""), new LoraMethod(4, DType.FLOAT32))
                .run((s, t, l, lr, sps) -> { });
        assertThat(classImages.resolve("class-1.png")).isRegularFile();
        assertThat(Png.readText(classImages.resolve("class-2.png")).get("parameters")).startsWith("a photo of a toy");
        assertThat(classImages.resolve("class-0.png")).as("one image was there already").doesNotExist();
        new Trainer(args(dir.resolve("prior-0"), 1e-3, 3, 1, 1, unweighted, 0, ""), new LoraMethod(4, DType.FLOAT32))
                .run((s, t, l, lr, sps) -> { });
        new Trainer(args(dir.resolve("no-prior"), 1e-3, 3), new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        try (var files = Files.list(classImages)) {
            assertThat(files.count()).as("the second run found all 3 class images").isEqualTo(3);
        }
        // The class samples ride along in each batch; at weight 0 they leave the instance gradient alone.
        assertThat(loraWeights(dir.resolve("prior-0"))).containsExactly(loraWeights(dir.resolve("no-prior")), within(1e-6f));
        assertThat(loraWeights(dir.resolve("prior"))).isNotEqualTo(loraWeights(dir.resolve("no-prior")));
    }

    private static float[] loraWeights(Path output) throws Exception {
        try (SafeTensors file = SafeTensors.open(output.resolve(LoraMethod.ARTIFACT))) {
            return file.get("unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_v.lora.up.weight").toFloatArray();
        }
    }

    @Test
    void trainingLowersTheLossOnTheSameNoisedSamples() {
        int steps = 80;
        // Same seed, same timesteps and noise at every step: only the learning rate differs.
        double[] frozen = new Trainer(args(dir.resolve("frozen"), 1e-12, steps), new LoraMethod(4, DType.FLOAT32)).run(
                (s, t, l, lr, sps) -> { });
        double[] trained = new Trainer(args(dir.resolve("trained"), 1e-2, steps), new LoraMethod(4, DType.FLOAT32)).run(
                (s, t, l, lr, sps) -> { });

        assertThat(trained[0]).isEqualTo(frozen[0]);
        assertThat(sum(trained, steps / 2, steps)).isLessThan(0.9 * sum(frozen, steps / 2, steps));
    }

    @Test
    void aRunWhoseLossStaysNotFiniteStopsWithTheReasonInsteadOfSucceedingUntrained() {
        Path out = dir.resolve("diverged");
        // A learning rate of 1e30 moves every trained weight to about 1e30 in one step: the forward pass overflows.
        Trainer diverging = new Trainer(args(out, 1e30, Trainer.MAX_NON_FINITE_STEPS + 10), new LoraMethod(4, DType.FLOAT32));

        assertThatThrownBy(() -> diverging.run((s, t, l, lr, sps) -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the loss was not finite for 50 steps in a row (steps 2 to 51): the training diverged or "
                        + "overflowed float16; try a lower learning_rate, or mixed_precision no");
        assertThat(out.resolve(LoraMethod.ARTIFACT)).doesNotExist();
    }

    @Test
    void writesTheScriptsLoraKeysWithBMovedAwayFromZero() throws Exception {
        Path out = dir.resolve("lora");
        new Trainer(args(out, 1e-3, 5), new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        try (SafeTensors file = SafeTensors.open(out.resolve(LoraMethod.ARTIFACT))) {
            String layer = "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k";
            // 4 transformer blocks (down 0, mid, up 1 twice) x attn1, attn2 x q, k, v, out x down, up
            assertThat(file.keys()).hasSize(4 * 2 * 4 * 2)
                    .allMatch(k -> k.matches("unet\\..+\\.lora\\.(down|up)\\.weight"))
                    .contains(layer + ".lora.down.weight", layer + ".lora.up.weight",
                            "unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0.lora.down.weight");
            assertThat(file.metadata()).isEqualTo(Map.of("format", "pt"));
            assertThat(file.info(layer + ".lora.down.weight").shape()).isEqualTo(Shape.of(4, 32));
            assertThat(file.info(layer + ".lora.up.weight").shape()).isEqualTo(Shape.of(32, 4));
            double[] b = file.get(layer + ".lora.up.weight").toDoubleArray();
            assertThat(Arrays.stream(b).map(Math::abs).max().orElse(0)).isGreaterThan(0);
        }
    }

    @Test
    void loraConvRankTrainsTheResNetAndSamplerConvolutionsWrittenAsKohyaWritesALoCon() throws Exception {
        Path out = dir.resolve("locon");
        new Trainer(args(out, 1e-2, 5), new LoraMethod(4, 2, false, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        Path attentionOnly = out.resolve("attention-only.safetensors");
        try (SafeTensors file = SafeTensors.open(out.resolve(LoraMethod.ARTIFACT))) {
            String conv = "lora_unet_down_blocks_0_resnets_0_conv1";
            String sampler = "lora_unet_down_blocks_0_downsamplers_0_conv";
            String attention = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k";
            assertThat(file.keys()).allMatch(k -> k.matches("lora_unet_.+\\.(lora_down\\.weight|lora_up\\.weight|alpha)"))
                    .contains(conv + ".lora_down.weight", sampler + ".lora_up.weight", attention + ".alpha")
                    .noneMatch(k -> k.contains("conv_shortcut") || k.contains("conv_in") || k.contains("conv_out"));
            assertThat(file.info(conv + ".lora_down.weight").shape()).isEqualTo(Shape.of(2, 32, 3, 3));
            assertThat(file.info(conv + ".lora_up.weight").shape()).isEqualTo(Shape.of(32, 2, 1, 1));
            assertThat(file.get(conv + ".alpha").get(0)).isEqualTo(2.0);
            assertThat(file.get(attention + ".alpha").get(0)).isEqualTo(4.0);
            double[] b = file.get(conv + ".lora_up.weight").toDoubleArray();
            assertThat(Arrays.stream(b).map(Math::abs).max().orElse(0)).as("B starts at zero").isGreaterThan(0);
            writeKeys(file, attentionOnly, key -> key.contains("_attentions_"));
        }
        GenerationParams p = GenerationParams.of("A <cat-toy> backpack", 1).withSize(64, 64).withSteps(3, "ddim");
        assertThat(generateWithLora(out.resolve(LoraMethod.ARTIFACT), p)).isNotEqualTo(generateWithLora(attentionOnly, p));
    }

    @Test
    void loraWithTrainTextEncoderWritesTrainedTextEncoderKeysThatChangeTheImage() throws Exception {
        Path out = dir.resolve("lora-te");
        new Trainer(args(out, 1e-2, 5), new LoraMethod(4, 0, true, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        Path unetOnly = out.resolve("unet-only.safetensors");
        try (SafeTensors file = SafeTensors.open(out.resolve(LoraMethod.ARTIFACT))) {
            String layer = "text_encoder.text_model.encoder.layers.1.self_attn.out_proj";
            // UNet as above, plus 2 text encoder layers x q, k, v, out x down, up
            assertThat(file.keys()).hasSize(4 * 2 * 4 * 2 + 2 * 4 * 2)
                    .contains(layer + ".lora_linear_layer.down.weight", layer + ".lora_linear_layer.up.weight",
                            "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.down.weight");
            assertThat(file.info(layer + ".lora_linear_layer.down.weight").shape()).isEqualTo(Shape.of(4, 32));
            double[] b = file.get(layer + ".lora_linear_layer.up.weight").toDoubleArray();
            assertThat(Arrays.stream(b).map(Math::abs).max().orElse(0)).as("B starts at zero").isGreaterThan(0);
            writeKeys(file, unetOnly, key -> key.startsWith("unet."));
        }
        GenerationParams p = GenerationParams.of("A <cat-toy> backpack", 1).withSize(64, 64).withSteps(3, "ddim");
        assertThat(generateWithLora(out.resolve(LoraMethod.ARTIFACT), p)).isNotEqualTo(generateWithLora(unetOnly, p));
    }

    @Test
    void aFrozenTextEncodersPromptsAreEncodedBeforeTrainingAsTheStepWouldEncodeThem() {
        TrainingArgs a = args(dir.resolve("lora-prompts"), 1e-2, 3).toBuilder().proportionEmptyPrompts(0.5).build();
        // A text encoder LoRA's up matrices start at zero: before its first update it encodes as the frozen encoder.
        double[] inStep = new Trainer(a, new LoraMethod(4, 0, true, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });
        double[] encodedBefore = new Trainer(a, new LoraMethod(4, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        assertThat(encodedBefore[0]).isCloseTo(inStep[0], within(1e-6 * inStep[0]));
        MemoryEstimate frozen = new Trainer(a, new LoraMethod(4, DType.FLOAT32)).estimate();
        MemoryEstimate trained = new Trainer(a, new LoraMethod(4, 0, true, DType.FLOAT32)).estimate();
        assertThat(trained.weights() - frozen.weights()).as("the step holds none of the text encoder's weights")
                .isGreaterThanOrEqualTo(textEncoderBytes());
    }

    private static long textEncoderBytes() {
        try (StableDiffusion m = StableDiffusion.load(model)) {
            return m.textEncoder().keys().stream().mapToLong(key -> m.textEncoder().get(key).data().capacity()).sum();
        }
    }

    @Test
    void theArtifactHoldsTheTrainedTensorsBitForBitAndDrawsTheSameImage() throws Exception {
        Path out = dir.resolve("lora-reload");
        new Trainer(args(out, 1e-2, 3, 3, ""), new LoraMethod(4, 0, true, DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        // The trained tensors under the training graph's (PEFT) names, as the last checkpoint holds them: what the
        // artifact held before it took the script's keys.
        Map<String, TensorData> trained = new LinkedHashMap<>();
        Path peft = out.resolve("peft.safetensors");
        try (SafeTensors state = SafeTensors.open(out.resolve("checkpoint-3/training_state.safetensors"));
                SafeTensors artifact = SafeTensors.open(out.resolve(LoraMethod.ARTIFACT))) {
            for (String key : state.keys()) {
                if (key.matches(".+\\.lora_[AB]\\.weight")) {
                    trained.put(key, state.get(key));
                }
            }
            assertThat(artifact.keys()).hasSize(trained.size());
            for (Map.Entry<String, TensorData> e : trained.entrySet()) {
                String module = e.getKey().startsWith("unet.") ? ".lora." : ".lora_linear_layer.";
                String key = e.getKey().replace(".lora_A.", module + "down.").replace(".lora_B.", module + "up.");
                assertThat(artifact.get(key)).as(key).isEqualTo(e.getValue());
            }
            SafeTensors.write(peft, trained, Map.of());
        }
        GenerationParams p = GenerationParams.of("A <cat-toy> backpack", 1).withSize(64, 64).withSteps(3, "ddim");
        assertThat(generateWithLora(out.resolve(LoraMethod.ARTIFACT), p)).isEqualTo(generateWithLora(peft, p));
    }

    /** The tensors of {@code file} whose keys {@code kept} takes, written to {@code out}. */
    private static void writeKeys(SafeTensors file, Path out, Predicate<String> kept)
            throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (String key : file.keys()) {
            if (kept.test(key)) {
                tensors.put(key, file.get(key));
            }
        }
        SafeTensors.write(out, tensors, Map.of());
    }

    private static byte[] generateWithLora(Path lora, GenerationParams p) {
        try (StableDiffusion sd = StableDiffusion.load(model);
                Txt2Img pipeline = new Txt2Img(sd, Device.CPU, DType.FLOAT32)) {
            LoraStack stack = new LoraStack(List.of(new LoraStack.Applied(LoraFile.read(lora, sd.loraLayers()), 1)));
            return pipeline.generate(p, new Adapters(stack, List.of()), null).get(0).rgb();
        }
    }

    private static TextualInversionMethod catToy() {
        return new TextualInversionMethod("<cat-toy>", "toy", 2, "object", DType.FLOAT32);
    }

    @Test
    void textualInversionLowersTheLossAndWritesOnlyTheNewEmbeddings() throws Exception {
        int steps = 60;
        double[] frozen = new Trainer(args(dir.resolve("ti-frozen"), 1e-12, steps), catToy()).run((s, t, l, lr, sps) -> { });
        double[] trained = new Trainer(args(dir.resolve("ti"), 5e-2, steps), catToy()).run((s, t, l, lr, sps) -> { });

        assertThat(sum(trained, steps / 2, steps)).isLessThan(sum(frozen, steps / 2, steps));
        try (SafeTensors file = SafeTensors.open(dir.resolve("ti").resolve(TextualInversionMethod.ARTIFACT))) {
            assertThat(file.keys()).containsExactly("<cat-toy>");
            assertThat(file.info("<cat-toy>").shape()).isEqualTo(Shape.of(2, 32));
        }
    }

    @Test
    void textualInversionSavesSnapshotsEverySaveSteps() {
        Path out = dir.resolve("ti-snapshots");
        new Trainer(args(out, 1e-3, 4), new TextualInversionMethod("<cat-toy>", "toy", 1, "object", DType.FLOAT32, 2))
                .run((s, t, l, lr, sps) -> { });

        assertThat(out.resolve("learned_embeds-steps-2.safetensors")).isRegularFile();
        assertThat(out.resolve("learned_embeds-steps-4.safetensors")).isRegularFile();
        assertThat(out.resolve(TextualInversionMethod.ARTIFACT)).isRegularFile();
    }

    @Test
    void textualInversionRefusesAMultiTokenInitializerAndAnExistingPlaceholder() {
        var twoTokens = new TextualInversionMethod("<cat-toy>", "teddy bear", 1, "object", DType.FLOAT32);
        var existing = new TextualInversionMethod("dog", "toy", 1, "object", DType.FLOAT32);

        assertThatThrownBy(() -> new Trainer(args(dir.resolve("x"), 1e-3, 1), twoTokens).run((s, t, l, lr, sps) -> { }))
                .hasMessageContaining("The initializer token must be a single token");
        assertThatThrownBy(() -> new Trainer(args(dir.resolve("y"), 1e-3, 1), existing).run((s, t, l, lr, sps) -> { }))
                .hasMessageContaining("The tokenizer already contains the token dog");
    }

    @Test
    void dreamBoothLowersTheLossAndWritesAModelFolderThatGenerates() {
        int steps = 40;
        double[] frozen = new Trainer(args(dir.resolve("db-frozen"), 1e-12, steps), new DreamBoothMethod(DType.FLOAT32))
                .run((s, t, l, lr, sps) -> { });
        double[] trained = new Trainer(args(dir.resolve("db"), 1e-3, steps), new DreamBoothMethod(DType.FLOAT32))
                .run((s, t, l, lr, sps) -> { });

        assertThat(sum(trained, steps / 2, steps)).isLessThan(sum(frozen, steps / 2, steps));
        GenerationParams p = GenerationParams.of("A <cat-toy> backpack", 1).withSize(64, 64).withSteps(3, "ddim");
        byte[] base = generate(model, p);
        assertThat(largestDifference(generate(dir.resolve("db"), p), base)).isGreaterThan(8);
        // At 1e-12 only the weights that start at zero move (by about 1e-11), which may tip a level's rounding.
        assertThat(largestDifference(generate(dir.resolve("db-frozen"), p), base)).isLessThanOrEqualTo(1);
    }

    /** The largest difference between two images' levels. */
    private static int largestDifference(byte[] a, byte[] b) {
        int largest = 0;
        for (int i = 0; i < a.length; i++) {
            largest = Math.max(largest, Math.abs((a[i] & 0xff) - (b[i] & 0xff)));
        }
        return largest;
    }

    @Test
    void dreamBoothWith8bitAdamCheckpointsItsCodesAndResumesToTheUninterruptedWeights() throws Exception {
        Path straight = dir.resolve("db-8bit");
        Path interrupted = dir.resolve("db-8bit-interrupted");
        new Trainer(args(straight, 1e-3, 4, 1, 1, null, 0, "", DType.FLOAT32, true), new DreamBoothMethod(DType.FLOAT32))
                .run((s, t, l, lr, sps) -> { });
        new Trainer(args(interrupted, 1e-3, 2, 1, 1, null, 2, "", DType.FLOAT32, true),
                new DreamBoothMethod(DType.FLOAT32)).run((s, t, l, lr, sps) -> { });
        new Trainer(args(interrupted, 1e-3, 4, 1, 1, null, 2, "latest", DType.FLOAT32, true),
                new DreamBoothMethod(DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        try (SafeTensors state = SafeTensors.open(interrupted.resolve("checkpoint-2").resolve(Checkpoints.STATE))) {
            assertThat(state.keys()).anyMatch(key -> key.startsWith("state1.float32."))
                    .anyMatch(key -> key.startsWith("absmax2.float32."));
            String codes = state.keys().stream().filter(key -> key.startsWith("state2.")).findFirst().orElseThrow();
            assertThat(state.get(codes).dtype()).isEqualTo(DType.UINT8);
        }
        Path weights = Path.of("unet", "diffusion_pytorch_model.safetensors");
        try (SafeTensors a = SafeTensors.open(straight.resolve(weights));
                SafeTensors b = SafeTensors.open(interrupted.resolve(weights))) {
            for (String key : a.keys()) {
                assertThat(b.get(key).toFloatArray()).as(key).containsExactly(a.get(key).toFloatArray());
            }
        }
    }

    @Test
    void aRunThatDoesNotFitItsDeviceIsRefusedBeforeItStartsWithTheEstimate() {
        Path out = dir.resolve("too-big");
        TrainingArgs a = args(out, 1e-3, 2, 1, 1, null, 0, "", DType.FLOAT32, false);

        assertThatThrownBy(() -> new Trainer(a, new DreamBoothMethod(DType.FLOAT32), new MemoryGuard(1L << 20, 0, false))
                .run((s, t, l, lr, sps) -> { }))
                .isInstanceOf(MemoryGuard.InsufficientMemoryException.class)
                .hasMessageStartingWith("this training needs an estimated")
                .hasMessageContaining("on cpu").hasMessageContaining("and the device has 0.0 GiB");
        assertThat(Files.exists(out)).as("nothing trained, nothing written").isFalse();
    }

    @Test
    void aRunThatAllowsSavingsIsTrainedWithCheckpointingAnd8bitAdamWhenThatFits() throws Exception {
        Path out = dir.resolve("saved-memory");
        TrainingArgs a = args(out, 1e-3, 2, 1, 1, null, 2, "", DType.FLOAT32, false);
        List<MemoryEstimate> estimates = new ArrayList<>();
        TrainingListener listen = new TrainingListener() {
            @Override
            public void onStep(int step, int totalSteps, double loss, double learningRate, double secondsPerStep) {
            }

            @Override
            public void onMemorySavings(MemoryEstimate withoutSavings, MemoryEstimate estimate) {
                estimates.addAll(List.of(withoutSavings, estimate));
            }
        };
        assertThatThrownBy(() -> new Trainer(a, new DreamBoothMethod(DType.FLOAT32), new MemoryGuard(1, 0, true))
                .run(listen)).isInstanceOf(MemoryGuard.InsufficientMemoryException.class);
        long without = estimates.get(0).total();
        long with = estimates.get(1).total();
        assertThat(with).as("checkpointing and 8-bit moments need less").isLessThan(without);
        assertThat(new Trainer(a, new DreamBoothMethod(DType.FLOAT32)).estimate().total()).isEqualTo(without);

        estimates.clear();
        new Trainer(a, new DreamBoothMethod(DType.FLOAT32), new MemoryGuard(with + 1000, 1000, true)).run(listen);

        assertThat(estimates).extracting(MemoryEstimate::total).containsExactly(without, with);
        try (SafeTensors state = SafeTensors.open(out.resolve("checkpoint-2").resolve(Checkpoints.STATE))) {
            assertThat(state.keys()).anyMatch(key -> key.startsWith("state1."));
        }
    }

    @Test
    void dreamBoothWithTrainTextEncoderWritesATrainedTextEncoderThatGenerates() {
        Path withText = dir.resolve("db-text-encoder");
        Path unetOnly = dir.resolve("db-unet-only");
        new Trainer(args(withText, 1e-3, 3), new DreamBoothMethod(DType.FLOAT32, true)).run((s, t, l, lr, sps) -> { });
        new Trainer(args(unetOnly, 1e-3, 3), new DreamBoothMethod(DType.FLOAT32)).run((s, t, l, lr, sps) -> { });

        String q = "text_model.encoder.layers.0.self_attn.q_proj.weight";
        String tokens = "text_model.embeddings.token_embedding.weight";
        try (StableDiffusion base = StableDiffusion.load(model); StableDiffusion trained = StableDiffusion.load(withText);
                StableDiffusion frozen = StableDiffusion.load(unetOnly)) {
            WeightSource before = base.textEncoder();
            assertThat(trained.textEncoder().keys()).containsExactlyInAnyOrderElementsOf(before.keys());
            assertThat(trained.textEncoder().get(q).toFloatArray()).isNotEqualTo(before.get(q).toFloatArray());
            assertThat(trained.textEncoder().get(tokens).toFloatArray()).isNotEqualTo(before.get(tokens).toFloatArray());
            assertThat(frozen.textEncoder().get(q).toFloatArray()).isEqualTo(before.get(q).toFloatArray());
        }
        GenerationParams p = GenerationParams.of("A <cat-toy> backpack", 1).withSize(64, 64).withSteps(3, "ddim");
        assertThat(generate(withText, p)).isNotEqualTo(generate(unetOnly, p));
    }

    @Test
    void dreamBoothSavesEveryWeightInTheSavePrecision() {
        Path half = dir.resolve("db-fp16");
        new Trainer(args(half, 1e-3, 2), new DreamBoothMethod(DType.FLOAT32, true, DType.FLOAT16))
                .run((s, t, l, lr, sps) -> { });

        try (StableDiffusion saved = StableDiffusion.load(half)) {
            for (WeightSource component : List.of(saved.unet(), saved.vae(), saved.textEncoder())) {
                assertThat(component.keys()).allMatch(key -> component.get(key).dtype() == DType.FLOAT16);
            }
        }
        GenerationParams p = GenerationParams.of("A <cat-toy> backpack", 1).withSize(64, 64).withSteps(2, "ddim");
        assertThat(generate(half, p)).isNotEmpty();
    }

    private static byte[] generate(Path modelDir, GenerationParams p) {
        try (StableDiffusion sd = StableDiffusion.load(modelDir); Txt2Img pipeline = new Txt2Img(sd, Device.CPU, DType.FLOAT32)) {
            return pipeline.generate(p, null).get(0).rgb();
        }
    }

    @Test
    void aFileThatIsNotAnImageIsNamed() throws Exception {
        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        Files.copy(images.resolve("0.png"), mixed.resolve("0.png"));
        Files.writeString(mixed.resolve("notes.md"), "not a picture");

        assertThatThrownBy(() -> InstanceImages.load(mixed, 64, InstanceImages.Crop.CENTER, false))
                .hasMessageContaining(mixed.resolve("notes.md") + " is not an image");
    }

    private static double sum(double[] values, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += values[i];
        }
        return s;
    }
}
