package io.sdtune.diffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.LdmKeys;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.diffusion.weights.WeightSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading models from disk: the diffusers layout, single-file checkpoints, and what goes wrong. */
class StableDiffusionTest {
    @TempDir
    static Path dir;
    static Path modelDir;

    @BeforeAll
    static void writeTinyModel() {
        modelDir = dir.resolve("tiny-sd");
        TinyModel.write(modelDir, TinyModel.Architecture.TINY, DType.FLOAT32, 3, file -> { });
    }

    private static byte[] image(StableDiffusion model) {
        try (Txt2Img pipeline = new Txt2Img(model, Device.CPU, DType.FLOAT32)) {
            return pipeline.generate(GenerationParams.of("a red backpack", 11).withSize(64, 64).withSteps(3, "ddim"), null)
                    .get(0).rgb();
        }
    }

    @Test
    void aFolderWrittenFromLoadedWeightsLoadsToTheSameModel() throws Exception {
        Path copy = dir.resolve("copy");
        copyTree(modelDir, copy);
        try (StableDiffusion model = StableDiffusion.load(modelDir)) {
            for (var component : Map.of("unet/diffusion_pytorch_model.safetensors", model.unet(),
                    "vae/diffusion_pytorch_model.safetensors", model.vae(), "text_encoder/model.safetensors",
                    model.textEncoder()).entrySet()) {
                SafeTensors.write(copy.resolve(component.getKey()), component.getValue().all(), Map.of());
            }
            try (StableDiffusion reloaded = StableDiffusion.load(copy)) {
                assertThat(reloaded.unet().keys()).isEqualTo(model.unet().keys());
                assertThat(image(reloaded)).isEqualTo(image(model));
            }
        }
    }

    @Test
    void aTextEncoderSavedByTransformers5OrInBfloat16DrawsTheSameImage() throws Exception {
        // transformers 5 writes CLIPTextModel's keys without "text_model." (final_layer_norm.bias); a bfloat16
        // file is widened on load, so its image differs by the weights' rounding only.
        Path transformers5 = dir.resolve("transformers5");
        Path bfloat16 = dir.resolve("bfloat16");
        copyTree(modelDir, transformers5);
        copyTree(modelDir, bfloat16);
        try (StableDiffusion model = StableDiffusion.load(modelDir)) {
            Map<String, TensorData> unprefixed = new LinkedHashMap<>();
            Map<String, TensorData> halved = new LinkedHashMap<>();
            model.textEncoder().all().forEach((key, value) -> {
                unprefixed.put(key.substring("text_model.".length()), value);
                halved.put(key, value.to(DType.BFLOAT16));
            });
            SafeTensors.write(transformers5.resolve("text_encoder/model.safetensors"), unprefixed, Map.of());
            SafeTensors.write(bfloat16.resolve("text_encoder/model.safetensors"), halved, Map.of());

            try (StableDiffusion t5 = StableDiffusion.load(transformers5);
                    StableDiffusion bf16 = StableDiffusion.load(bfloat16)) {
                assertThat(t5.textEncoder().keys()).isEqualTo(model.textEncoder().keys());
                assertThat(image(t5)).isEqualTo(image(model));
                assertThat(bf16.textEncoder().get("text_model.final_layer_norm.weight").dtype())
                        .isEqualTo(DType.BFLOAT16);
                byte[] exact = image(model);
                byte[] rounded = image(bf16);
                double diff = 0;
                for (int i = 0; i < exact.length; i++) {
                    diff += Math.abs((exact[i] & 0xff) - (rounded[i] & 0xff));
                }
                assertThat(diff / exact.length).isLessThan(1.0); // 0.16 of 255 per channel on 2026-12-05
            }
        }
    }

    @Test
    void aSingleFileCheckpointInTheOriginalNamingGivesTheSameImages() throws Exception {
        Path checkpoint = dir.resolve("tiny-sd.safetensors");
        try (StableDiffusion model = StableDiffusion.load(modelDir)) {
            model.ldmCheckpoint(false).write(checkpoint);

            try (StableDiffusion single = StableDiffusion.load(checkpoint, modelDir)) {
                assertThat(single.name()).isEqualTo("tiny-sd");
                assertThat(image(single)).isEqualTo(image(model));
            }
        }
    }

    @Test
    void anSd2CheckpointWithTheOpenClipTextEncoderGivesTheImagesOfItsFolder() throws Exception {
        // OpenCLIP's layout: q, k and v fused in attn.in_proj, its own names, a last layer and keys diffusers drops.
        Path folder = dir.resolve("tiny-sd2");
        TinyModel.write(folder, TinyModel.Architecture.TINY_SD2, DType.FLOAT32, 4, file -> { });
        Path checkpoint = dir.resolve("tiny-sd2.safetensors");
        try (StableDiffusion model = StableDiffusion.load(folder)) {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            model.unet().all().forEach((k, t) -> tensors.put(LdmKeys.unet(k, model.unetConfig()), t));
            model.vae().all().forEach((k, t) -> tensors.put(LdmKeys.vae(k, model.vaeConfig()), t));
            Map<String, TensorData> text = model.textEncoder().all();
            text.forEach((k, t) -> {
                LdmKeys.OpenClipKey stored = LdmKeys.openClip(k);
                if (stored.third() < 0) {
                    tensors.put(stored.key(), t);
                } else if (stored.third() == 0) {
                    tensors.put(stored.key(), rows(text.get(k), text.get(k.replace("q_proj", "k_proj")),
                            text.get(k.replace("q_proj", "v_proj"))));
                }
            });
            int layers = model.textEncoderConfig().numHiddenLayers();
            tensors.put(LdmKeys.OPEN_CLIP_PREFIX + "transformer.resblocks." + layers + ".ln_1.weight",
                    TensorData.allocate(DType.FLOAT32, Shape.of(model.textEncoderConfig().hiddenSize())));
            tensors.put(LdmKeys.OPEN_CLIP_PREFIX + "logit_scale", TensorData.scalar(DType.FLOAT32, 4.6));
            SafeTensors.write(checkpoint, tensors, Map.of());

            try (StableDiffusion single = StableDiffusion.load(checkpoint, folder)) {
                assertThat(image(single)).isEqualTo(image(model));
            }
        }
    }

    @Test
    void anSd2UNetPredictsTheVelocityWhenItsOutputIsFarBelowItsInputAsTheWebUiTellsIt() throws Exception {
        // The probe's input is 0.5 everywhere: a UNet whose conv_out gives -5 everywhere is 5.5 below it (velocity),
        // one that gives 0 is 0.5 below (noise); AUTOMATIC1111's threshold is 1.
        Path folder = dir.resolve("tiny-sd2-probe");
        TinyModel.write(folder, TinyModel.Architecture.TINY_SD2, DType.FLOAT32, 4, file -> { });
        try (StableDiffusion model = StableDiffusion.load(folder)) {
            assertThat(StableDiffusion.predictsVelocity(model.unetConfig(), withConvOutBias(model.unet(), -5))).isTrue();
            assertThat(StableDiffusion.predictsVelocity(model.unetConfig(), withConvOutBias(model.unet(), 0))).isFalse();
        }
    }

    /** {@code unet} whose {@code conv_out} outputs {@code bias} whatever its input. */
    private static WeightSource withConvOutBias(WeightSource unet, double bias) {
        Map<String, TensorData> weights = unet.all();
        TensorData b = weights.get("conv_out.bias").copy();
        for (long i = 0; i < b.size(); i++) {
            b.set(i, bias);
        }
        weights.put("conv_out.weight", TensorData.allocate(DType.FLOAT32, weights.get("conv_out.weight").shape()));
        weights.put("conv_out.bias", b);
        return WeightSource.of("probe", weights);
    }

    @Test
    void aMissingPathOrFileIsNamed() {
        assertThatThrownBy(() -> StableDiffusion.load(dir.resolve("nowhere")))
                .hasMessageContaining("nowhere is neither a diffusers model folder nor a .safetensors checkpoint")
                .hasMessageContaining("does not exist");
        Path broken = dir.resolve("no-vae");
        copyTree(modelDir, broken);
        deleteQuietly(broken.resolve("vae/diffusion_pytorch_model.safetensors"));

        assertThatThrownBy(() -> StableDiffusion.load(broken))
                .hasMessageContaining("missing model file " + broken.resolve("vae/diffusion_pytorch_model.safetensors"));
    }

    @Test
    void anUnknownBlockTypeNamesTheFileAndTheKey() throws Exception {
        Path odd = dir.resolve("odd-blocks");
        copyTree(modelDir, odd);
        Path config = odd.resolve("unet/config.json");
        Files.writeString(config, Files.readString(config).replace("\"DownBlock2D\"", "\"SimpleDownBlock2D\""));

        assertThatThrownBy(() -> StableDiffusion.load(odd))
                .hasMessageContaining(config.toString())
                .hasMessageContaining("down_block_types must be block types among")
                .hasMessageContaining("SimpleDownBlock2D");
    }

    @Test
    void aWeightOfTheWrongShapeNamesTheFileAndTheKey() throws Exception {
        Path wrong = dir.resolve("wrong-shape");
        copyTree(modelDir, wrong);
        Path unetFile = wrong.resolve("unet/diffusion_pytorch_model.safetensors");
        try (StableDiffusion model = StableDiffusion.load(modelDir)) {
            Map<String, TensorData> tensors = model.unet().all();
            tensors.put("conv_in.weight", TensorData.allocate(DType.FLOAT32, Shape.of(32, 4, 1, 1)));
            SafeTensors.write(unetFile, tensors, Map.of());
        }

        try (StableDiffusion model = StableDiffusion.load(wrong)) {
            assertThatThrownBy(() -> image(model))
                    .hasMessageContaining(unetFile.toString())
                    .hasMessageContaining("conv_in.weight is FLOAT32[32, 4, 1, 1] but the graph expects FLOAT32[32, 4, 3, 3]");
        }
    }

    @Test
    void aPromptOverSeventySevenTokensIsTruncatedNotRefused() {
        String longPrompt = "a very detailed photo of a dog ".repeat(20);
        try (StableDiffusion model = StableDiffusion.load(modelDir); Txt2Img pipeline = new Txt2Img(model, Device.CPU, DType.FLOAT32)) {
            var images = pipeline.generate(GenerationParams.of(longPrompt, 1).withSize(64, 64).withSteps(2, "ddim"), null);

            assertThat(images).hasSize(1);
            assertThat(model.tokenizer().encode(longPrompt).truncated()).isTrue();
        }
    }

    /** The tensors stacked along their first axis, as OpenCLIP fuses q, k and v. */
    private static TensorData rows(TensorData... parts) {
        Shape shape = parts[0].shape();
        TensorData fused = TensorData.allocate(parts[0].dtype(), shape.with(0, shape.dim(0) * parts.length));
        for (TensorData part : parts) {
            fused.data().put(part.data().duplicate().rewind());
        }
        fused.data().rewind();
        return fused;
    }

    private static void copyTree(Path from, Path to) {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
