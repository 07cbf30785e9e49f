package io.sdtune.diffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.diffusion.weights.TextualInversionFile;
import io.sdtune.diffusion.weights.WeightSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA adapters applied at generation, from either file layout, without touching the base weights. */
class LoraGenerationTest {
    @TempDir
    static Path dir;
    static StableDiffusion model;
    static Txt2Img pipeline;
    static Map<LoraFile.Component, Map<String, Shape>> layers;

    @BeforeAll
    static void tinyModel() {
        TinyModel.write(dir.resolve("tiny"), TinyModel.Architecture.TINY, DType.FLOAT32, 0, file -> { });
        model = StableDiffusion.load(dir.resolve("tiny"));
        pipeline = new Txt2Img(model, Device.CPU, DType.FLOAT32);
        layers = model.loraLayers();
    }

    @AfterAll
    static void close() {
        pipeline.close();
        model.close();
    }

    private static byte[] image(LoraStack loras) {
        GenerationParams p = GenerationParams.of("a <cat-toy> backpack", 5).withSize(64, 64).withSteps(4, "ddim");
        return pipeline.generate(p, new Adapters(loras, List.of()), null).get(0).rgb();
    }

    /** The key layouts a test LoRA is written in: train_dreambooth_lora.py's, PEFT's, kohya's. */
    private enum Keys { DIFFUSERS, PEFT, KOHYA }

    /** A rank-4 LoRA on every UNet attention projection: A random, B random or zero. */
    private static Path writeLora(String name, boolean zeroB, Keys keys) throws Exception {
        return writeLora(name, zeroB, keys, LoraFile.Component.UNET);
    }

    /** The same on the attention projections of {@code component} (the UNet's or the text encoder's). */
    private static Path writeLora(String name, boolean zeroB, Keys keys, LoraFile.Component component)
            throws Exception {
        boolean unet = component == LoraFile.Component.UNET;
        WeightSource base = unet ? model.unet() : model.textEncoder();
        Random random = new Random(9);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (String layer : layers.get(component).keySet()) {
            String projections = unet ? ".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)" : ".*\\.self_attn\\.(q|k|v|out)_proj";
            if (!layer.matches(projections)) {
                continue;
            }
            long in = base.get(layer + ".weight").shape().dim(1);
            long out = base.get(layer + ".weight").shape().dim(0);
            TensorData a = TensorData.randn(DType.FLOAT32, Shape.of(4, in), 0.5, random);
            TensorData b = zeroB ? TensorData.allocate(DType.FLOAT32, Shape.of(out, 4))
                    : TensorData.randn(DType.FLOAT32, Shape.of(out, 4), 0.5, random);
            String prefix = (unet ? "unet." : "text_encoder.") + layer;
            switch (keys) {
                case DIFFUSERS -> {
                    String module = unet ? ".lora." : ".lora_linear_layer.";
                    tensors.put(prefix + module + "down.weight", a);
                    tensors.put(prefix + module + "up.weight", b);
                }
                case PEFT -> {
                    tensors.put(prefix + ".lora_A.weight", a);
                    tensors.put(prefix + ".lora_B.weight", b);
                }
                case KOHYA -> {
                    String k = (unet ? "lora_unet_" : "lora_te_") + layer.replace('.', '_');
                    tensors.put(k + ".lora_down.weight", a);
                    tensors.put(k + ".lora_up.weight", b);
                    tensors.put(k + ".alpha", TensorData.of(DType.FLOAT32, Shape.SCALAR, 4));
                }
            }
        }
        Path file = dir.resolve(name);
        SafeTensors.write(file, tensors, Map.of());
        return file;
    }

    private static LoraStack stack(Path file, double scale) {
        return new LoraStack(List.of(new LoraStack.Applied(LoraFile.read(file, layers), scale)));
    }

    @Test
    void aBatchOnOneLoraDrawsOnMergedWeightsKeptForTheNextSwitch() throws Exception {
        LoraStack first = stack(writeLora("switch-1.safetensors", false, Keys.DIFFUSERS), 1);
        LoraStack second = stack(writeLora("switch-2.safetensors", false, Keys.KOHYA), 0.5);
        GenerationParams p = GenerationParams.of("a <cat-toy> backpack", 5).withSize(64, 64).withSteps(4, "ddim");
        try (Txt2Img own = new Txt2Img(model, Device.CPU, DType.FLOAT32)) {
            byte[] a = own.generate(p, new Adapters(first, List.of()), null).get(0).rgb();
            long sessions = own.sessionStats().builds();
            byte[] b = own.generate(p, new Adapters(second, List.of()), null).get(0).rgb();
            byte[] again = own.generate(p, new Adapters(first, List.of()), null).get(0).rgb();

            assertThat(b).isNotEqualTo(a);
            assertThat(again).isEqualTo(a);
            // Both adapt the same layers, so one UNet session serves both; each stack was merged once and kept.
            assertThat(own.sessionStats().builds()).isEqualTo(sessions);
            assertThat(own.mergedStats()).isEqualTo(new Txt2Img.MergedStats(2, 2));
        }
    }

    @Test
    void aLoraWhoseBIsZeroReproducesTheBaseModelExactly() throws Exception {
        Path lora = writeLora("zero-b.safetensors", true, Keys.DIFFUSERS);

        assertThat(image(stack(lora, 1))).isEqualTo(image(LoraStack.none()));
    }

    @Test
    void aLoraChangesTheImageAndStrengthZeroTakesItAway() throws Exception {
        Path lora = writeLora("random.safetensors", false, Keys.DIFFUSERS);

        assertThat(image(stack(lora, 1))).isNotEqualTo(image(LoraStack.none()));
        assertThat(image(stack(lora, 0))).isEqualTo(image(LoraStack.none()));
    }

    @Test
    void everyLayoutOfOneLoraGivesTheSameImage() throws Exception {
        byte[] diffusers = image(stack(writeLora("d.safetensors", false, Keys.DIFFUSERS), 0.8));
        byte[] peft = image(stack(writeLora("p.safetensors", false, Keys.PEFT), 0.8));
        byte[] kohya = image(stack(writeLora("k.safetensors", false, Keys.KOHYA), 0.8));

        assertThat(peft).isEqualTo(diffusers);
        assertThat(kohya).isEqualTo(diffusers);
    }

    @Test
    void aLoraOnFeedForwardAndTimeEmbeddingLayersDrawsAsTheirMergedWeights() throws Exception {
        // kohya's LoRAs also adapt the feed-forward layers and the time embedding: each branch must draw exactly as
        // W + B A in the layer's place.
        Random random = new Random(4);
        Map<String, TensorData> lora = new LinkedHashMap<>();
        Map<String, TensorData> merged = new LinkedHashMap<>();
        model.unet().keys().forEach(k -> merged.put(k, model.unet().get(k)));
        for (String layer : layers.get(LoraFile.Component.UNET).keySet()) {
            if (!layer.matches(".*\\.ff\\.net\\.(0\\.proj|2)|time_embedding\\.linear_[12]")) {
                continue;
            }
            TensorData w = model.unet().get(layer + ".weight");
            long out = w.shape().dim(0);
            long in = w.shape().dim(1);
            TensorData a = TensorData.randn(DType.FLOAT32, Shape.of(4, in), 0.5, random);
            TensorData b = TensorData.randn(DType.FLOAT32, Shape.of(out, 4), 0.5, random);
            lora.put("unet." + layer + ".lora_A.weight", a);
            lora.put("unet." + layer + ".lora_B.weight", b);
            TensorData updated = w.copy();
            for (long o = 0; o < out; o++) {
                for (long i = 0; i < in; i++) {
                    double delta = 0;
                    for (int r = 0; r < 4; r++) {
                        delta += b.get(o * 4 + r) * a.get(r * in + i);
                    }
                    updated.set(o * in + i, w.get(o * in + i) + delta);
                }
            }
            merged.put(layer + ".weight", updated);
        }
        assertThat(lora).hasSizeGreaterThanOrEqualTo(4 * 2);
        Path file = dir.resolve("ff-time.safetensors");
        SafeTensors.write(file, lora, Map.of());
        Path mergedModel = dir.resolve("merged");
        TinyModel.write(mergedModel, TinyModel.Architecture.TINY, DType.FLOAT32, 0, f -> { });
        SafeTensors.write(mergedModel.resolve("unet/diffusion_pytorch_model.safetensors"), merged, Map.of());

        byte[] branched = image(stack(file, 1));
        byte[] expected;
        try (StableDiffusion m = StableDiffusion.load(mergedModel); Txt2Img p = new Txt2Img(m, Device.CPU, DType.FLOAT32)) {
            expected = p.generate(GenerationParams.of("a <cat-toy> backpack", 5).withSize(64, 64).withSteps(4, "ddim"),
                    null).get(0).rgb();
        }

        assertThat(branched).isNotEqualTo(image(LoraStack.none()));
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs((branched[i] & 0xff) - (expected[i] & 0xff)));
        }
        assertThat(worst).isLessThanOrEqualTo(1); // float32 rounding of W x + B (A x) against (W + B A) x
    }

    @Test
    void aLoConAdaptsTheUNetsConvolutionsAsTheirMergedWeightsDo() throws Exception {
        // kohya's LoCon: lora_down [r, in, kh, kw], lora_up [out, r, 1, 1], alpha 2 (scale 0.5), on every ResNet
        // convolution; the same model with W + 0.5 B A in those weights draws the same image.
        Path file = writeLoCon("locon.safetensors", 4);
        Map<String, TensorData> merged = new LinkedHashMap<>();
        model.unet().keys().forEach(k -> merged.put(k, model.unet().get(k).copy()));
        try (SafeTensors locon = SafeTensors.open(file)) {
            for (String key : locon.keys()) {
                if (!key.endsWith(".lora_down.weight")) {
                    continue;
                }
                String kohya = key.substring(0, key.length() - ".lora_down.weight".length());
                String layer = layers.get(LoraFile.Component.UNET).keySet().stream()
                        .filter(l -> ("lora_unet_" + l.replace('.', '_')).equals(kohya)).findFirst().orElseThrow();
                TensorData down = locon.get(key);
                TensorData up = locon.get(kohya + ".lora_up.weight");
                TensorData w = merged.get(layer + ".weight");
                long out = w.shape().dim(0);
                long in = w.shape().size() / out;
                for (long o = 0; o < out; o++) {
                    for (long j = 0; j < in; j++) {
                        double delta = 0;
                        for (int r = 0; r < 4; r++) {
                            delta += up.get(o * 4 + r) * down.get(r * in + j);
                        }
                        w.set(o * in + j, w.get(o * in + j) + 0.5 * delta);
                    }
                }
            }
        }
        Path mergedModel = dir.resolve("merged-locon");
        TinyModel.write(mergedModel, TinyModel.Architecture.TINY, DType.FLOAT32, 0, f -> { });
        SafeTensors.write(mergedModel.resolve("unet/diffusion_pytorch_model.safetensors"), merged, Map.of());

        GeneratedImage adapted = pipeline.generate(backpack(), new Adapters(stack(file, 1), List.of()), null).get(0);
        GeneratedImage expected;
        try (StableDiffusion m = StableDiffusion.load(mergedModel); Txt2Img p = new Txt2Img(m, Device.CPU, DType.FLOAT32)) {
            expected = p.generate(backpack(), null).get(0);
        }

        assertThat(adapted.rgb()).isNotEqualTo(image(LoraStack.none()));
        assertThat(Txt2ImgTest.maxDifference(adapted, expected)).isLessThanOrEqualTo(1);
    }

    @Test
    void promptsOnALoConOrLoHaAndOnAnotherLoraInOneCallGetTheImagesTheyGetAlone() throws Exception {
        // Neither has a per-sample branch: such a call draws one batch per stack.
        for (Path mergedOnly : List.of(writeLoCon("batch-locon.safetensors", 7),
                writeLycoris("batch-lycoris.safetensors", 6))) {
            List<Adapters> adapters = List.of(new Adapters(stack(mergedOnly, 1), List.of()),
                    new Adapters(stack(writeLora("batch-other.safetensors", false, Keys.PEFT), 0.5), List.of()));
            List<GenerationParams> prompts = List.of(backpack(), GenerationParams.of("a house", 7).withSize(64, 64)
                    .withSteps(4, "ddim"));

            List<List<GeneratedImage>> together = pipeline.generate(prompts, adapters, null);

            for (int i = 0; i < prompts.size(); i++) {
                assertThat(together.get(i).get(0).rgb()).as("%s, prompt %d", mergedOnly.getFileName(), i).isEqualTo(
                        pipeline.generate(List.of(prompts.get(i)), adapters.get(i), null).get(0).get(0).rgb());
            }
        }
    }

    @Test
    void loHaLoKrAndDoRaDrawAsTheModelWithTheirUpdatesMergedAndStrengthZeroIsTheBaseModel() throws Exception {
        // LyCORIS files on linear layers and convolutions of the UNet and on the text encoder, one layer with DoRA:
        // the model whose weights are W + 0.8 ΔW (ΔW as LoraLayerTest checks it) draws the same image.
        Path file = writeLycoris("lycoris.safetensors", 5);
        LoraFile lycoris = LoraFile.read(file, layers);
        assertThat(lycoris.layers(LoraFile.Component.UNET).values()).extracting(l -> l.kind())
                .contains("LoHa", "LoKr", "LoRA with DoRA");
        assertThat(lycoris.layers(LoraFile.Component.TEXT_ENCODER)).isNotEmpty();
        Path mergedModel = dir.resolve("merged-lycoris");
        TinyModel.write(mergedModel, TinyModel.Architecture.TINY, DType.FLOAT32, 0, f -> { });
        SafeTensors.write(mergedModel.resolve("unet/diffusion_pytorch_model.safetensors"),
                merged(lycoris, LoraFile.Component.UNET, model.unet(), 0.8), Map.of());
        SafeTensors.write(mergedModel.resolve("text_encoder/model.safetensors"),
                merged(lycoris, LoraFile.Component.TEXT_ENCODER, model.textEncoder(), 0.8), Map.of());

        GeneratedImage adapted = pipeline.generate(backpack(), new Adapters(stack(file, 0.8), List.of()), null).get(0);
        GeneratedImage expected;
        try (StableDiffusion m = StableDiffusion.load(mergedModel); Txt2Img p = new Txt2Img(m, Device.CPU, DType.FLOAT32)) {
            expected = p.generate(backpack(), null).get(0);
        }

        assertThat(adapted.rgb()).isNotEqualTo(image(LoraStack.none()));
        assertThat(Txt2ImgTest.maxDifference(adapted, expected)).isLessThanOrEqualTo(1);
        assertThat(image(stack(file, 0))).isEqualTo(image(LoraStack.none()));
    }

    @Test
    void lycorisPartsThisReaderDoesNotApplyAreRefusedByName() throws Exception {
        Path tucker = dir.resolve("tucker.safetensors");
        SafeTensors.write(tucker, Map.of("lora_unet_mid_block_resnets_0_conv1.hada_t1",
                TensorData.allocate(DType.FLOAT32, Shape.of(4, 4, 3, 3))), Map.of());

        assertThatThrownBy(() -> LoraFile.read(tucker, layers)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 LoRA keys hold parts this reader does not apply")
                .hasMessageContaining("[lora_unet_mid_block_resnets_0_conv1.hada_t1]");
    }

    /** {@code base}'s weights with {@code scale} times each update of {@code lora} in {@code component} added. */
    private static Map<String, TensorData> merged(LoraFile lora, LoraFile.Component component, WeightSource base,
            double scale) {
        Map<String, TensorData> weights = new LinkedHashMap<>();
        base.keys().forEach(k -> weights.put(k, base.get(k)));
        lora.layers(component).forEach((layer, update) -> {
            TensorData w = base.get(layer + ".weight");
            float[] values = w.toFloatArray();
            float[] delta = update.delta(values, w.shape());
            for (int i = 0; i < values.length; i++) {
                values[i] += (float) (scale * delta[i]);
            }
            weights.put(layer + ".weight", TensorData.of(values, w.shape().dims()));
        });
        return weights;
    }

    /**
     * A LyCORIS file, seeded: LoHa (rank 2, alpha 1) on the UNet's {@code to_q}/{@code to_k} and ResNet
     * {@code conv1}, LoKr on its {@code conv2} (W₂ a convolution's) and feed-forward output, a LoRA with DoRA
     * magnitudes per input on {@code to_v}, LoHa and LoKr on the text encoder's {@code q_proj} and {@code fc1}.
     */
    private static Path writeLycoris(String name, long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        layers.forEach((component, componentLayers) -> componentLayers.forEach((layer, weight) -> {
            String k = (component == LoraFile.Component.UNET ? "lora_unet_" : "lora_te_") + layer.replace('.', '_');
            long out = weight.dim(0);
            long in = weight.size() / out;
            if (layer.matches(".*attn1\\.to_[qk]|.*resnets\\.\\d+\\.conv1|.*self_attn\\.q_proj")) {
                tensors.put(k + ".hada_w1_a", TensorData.randn(DType.FLOAT32, Shape.of(out, 2), 0.5, random));
                tensors.put(k + ".hada_w1_b", TensorData.randn(DType.FLOAT32, Shape.of(2, in), 0.5, random));
                tensors.put(k + ".hada_w2_a", TensorData.randn(DType.FLOAT32, Shape.of(out, 2), 0.5, random));
                tensors.put(k + ".hada_w2_b", TensorData.randn(DType.FLOAT32, Shape.of(2, in), 0.5, random));
                tensors.put(k + ".alpha", TensorData.scalar(DType.FLOAT32, 1));
            } else if (layer.matches(".*resnets\\.\\d+\\.conv2|.*ff\\.net\\.2|.*mlp\\.fc1")) {
                tensors.put(k + ".lokr_w1", TensorData.randn(DType.FLOAT32, Shape.of(2, 2), 0.5, random));
                Shape w2 = weight.rank() == 4 ? Shape.of(out / 2, weight.dim(1) / 2, weight.dim(2), weight.dim(3))
                        : Shape.of(out / 2, in / 2);
                tensors.put(k + ".lokr_w2", TensorData.randn(DType.FLOAT32, w2, 0.3, random));
            } else if (layer.matches(".*attn1\\.to_v")) {
                TensorData down = TensorData.randn(DType.FLOAT32, Shape.of(4, in), 0.5, random);
                tensors.put(k + ".lora_down.weight", down);
                tensors.put(k + ".lora_up.weight", TensorData.randn(DType.FLOAT32, Shape.of(out, 4), 0.5, random));
                TensorData magnitude = TensorData.allocate(DType.FLOAT32, Shape.of(1, in));
                for (long j = 0; j < in; j++) {
                    magnitude.set(j, 1 + random.nextDouble());
                }
                tensors.put(k + ".dora_scale", magnitude);
            }
        }));
        Path file = dir.resolve(name);
        SafeTensors.write(file, tensors, Map.of());
        return file;
    }

    private static GenerationParams backpack() {
        return GenerationParams.of("a <cat-toy> backpack", 5).withSize(64, 64).withSteps(4, "ddim");
    }

    /** A kohya LoCon of rank 4, alpha 2, on every UNet ResNet convolution, seeded. */
    private static Path writeLoCon(String name, long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        layers.get(LoraFile.Component.UNET).forEach((layer, weight) -> {
            if (weight.rank() == 4 && layer.matches(".*resnets\\.\\d+\\.conv[12]")) {
                String k = "lora_unet_" + layer.replace('.', '_');
                tensors.put(k + ".lora_down.weight", TensorData.randn(DType.FLOAT32,
                        Shape.of(4, weight.dim(1), weight.dim(2), weight.dim(3)), 0.3, random));
                tensors.put(k + ".lora_up.weight", TensorData.randn(DType.FLOAT32, Shape.of(weight.dim(0), 4, 1, 1),
                        0.3, random));
                tensors.put(k + ".alpha", TensorData.scalar(DType.FLOAT32, 2));
            }
        });
        assertThat(tensors).isNotEmpty();
        Path file = dir.resolve(name);
        SafeTensors.write(file, tensors, Map.of());
        return file;
    }

    @Test
    void theImagesParametersNameEachLoraAndItsHashAsTheWebUiWritesThem() throws Exception {
        Path file = writeLora("catStyle.safetensors", false, Keys.KOHYA);
        GenerationParams p = GenerationParams.of("a <cat-toy> backpack", 5).withSize(64, 64).withSteps(2, "ddim");

        String parameters = pipeline.generate(p, new Adapters(stack(file, 0.8), List.of()), null).get(0).text()
                .get("parameters");

        // The web UI's hash of a safetensors LoRA: SHA-256 of the bytes after the header, 12 hex digits.
        byte[] bytes = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] data = Arrays.copyOfRange(bytes, (int) (8 + header), bytes.length);
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)).substring(0, 12);
        assertThat(parameters).startsWith("a <cat-toy> backpack <lora:catStyle:0.8>\nSteps: 2")
                .endsWith(", Lora hashes: \"catStyle: " + hash + "\"");
    }

    @Test
    void aTextEncoderLoraWhoseBIsZeroReproducesTheBaseModelExactly() throws Exception {
        Path lora = writeLora("te-zero-b.safetensors", true, Keys.DIFFUSERS, LoraFile.Component.TEXT_ENCODER);

        assertThat(image(stack(lora, 1))).isEqualTo(image(LoraStack.none()));
    }

    @Test
    void aTextEncoderLoraChangesTheImageAndStrengthZeroTakesItAway() throws Exception {
        Path lora = writeLora("te.safetensors", false, Keys.DIFFUSERS, LoraFile.Component.TEXT_ENCODER);

        assertThat(image(stack(lora, 1))).isNotEqualTo(image(LoraStack.none()));
        assertThat(image(stack(lora, 0))).isEqualTo(image(LoraStack.none()));
    }

    @Test
    void everyLayoutOfOneTextEncoderLoraGivesTheSameImage() throws Exception {
        LoraFile.Component textEncoder = LoraFile.Component.TEXT_ENCODER;
        byte[] diffusers = image(stack(writeLora("te-d.safetensors", false, Keys.DIFFUSERS, textEncoder), 0.8));
        byte[] peft = image(stack(writeLora("te-p.safetensors", false, Keys.PEFT, textEncoder), 0.8));
        byte[] kohya = image(stack(writeLora("te-k.safetensors", false, Keys.KOHYA, textEncoder), 0.8));

        assertThat(peft).isEqualTo(diffusers);
        assertThat(kohya).isEqualTo(diffusers);
    }

    @Test
    void unetAndTextEncoderLorasStackAndRemovingThemRestoresTheBaseImage() throws Exception {
        Path unet = writeLora("stack-unet.safetensors", false, Keys.DIFFUSERS);
        Path textEncoder = writeLora("stack-te.safetensors", false, Keys.DIFFUSERS, LoraFile.Component.TEXT_ENCODER);
        byte[] base = image(LoraStack.none());

        byte[] both = image(new LoraStack(List.of(new LoraStack.Applied(LoraFile.read(unet, layers), 1),
                new LoraStack.Applied(LoraFile.read(textEncoder, layers), 1))));

        assertThat(both).isNotEqualTo(image(stack(unet, 1))).isNotEqualTo(image(stack(textEncoder, 1)));
        assertThat(image(LoraStack.none())).isEqualTo(base);
    }

    @Test
    void promptsWithTheirOwnLorasDrawnInOneBatchGetTheImagesTheyGetAlone() throws Exception {
        LoraStack unet = stack(writeLora("batch-unet.safetensors", false, Keys.DIFFUSERS), 1);
        LoraStack textEncoder = stack(writeLora("batch-te.safetensors", false, Keys.PEFT,
                LoraFile.Component.TEXT_ENCODER), 0.7);
        GenerationParams backpack = GenerationParams.of("a <cat-toy> backpack", 5).withSize(64, 64).withSteps(4, "ddim");
        GenerationParams dogs = new GenerationParams("a dog", "blurry", 4, 7.5, "ddim", 6, 64, 64, 2, null);
        GenerationParams house = GenerationParams.of("a house", 7).withSize(64, 64).withSteps(4, "ddim");
        List<Adapters> adapters = List.of(new Adapters(unet, List.of()), new Adapters(textEncoder, List.of()),
                Adapters.none());

        List<List<GeneratedImage>> batch = pipeline.generate(List.of(backpack, dogs, house), adapters, null);

        List<GenerationParams> prompts = List.of(backpack, dogs, house);
        for (int i = 0; i < prompts.size(); i++) {
            List<GeneratedImage> alone = pipeline.generate(List.of(prompts.get(i)), adapters.get(i), null).get(0);
            for (int image = 0; image < alone.size(); image++) {
                // Alone, a prompt on a LoRA is drawn on merged weights, in the batch on a branch of its own: the
                // same image but for float32 rounding ((W + BA) x against W x + B (A x)).
                assertThat(Txt2ImgTest.maxDifference(batch.get(i).get(image), alone.get(image)))
                        .as("prompt %d image %d", i, image).isLessThanOrEqualTo(i < 2 ? 2 : 0);
            }
        }
        assertThat(batch.get(0).get(0).rgb()).as("the LoRA is applied to its prompt").isNotEqualTo(
                pipeline.generate(backpack, Adapters.none(), null).get(0).rgb());
    }

    @Test
    void promptsWithDifferentEmbeddingsAreNotOneBatch() throws Exception {
        Path embedding = dir.resolve("batch-embedding.safetensors");
        SafeTensors.write(embedding, Map.of("<cat-toy>", TensorData.randn(DType.FLOAT32,
                Shape.of(model.textEncoderConfig().hiddenSize()), 0.1, new Random(3))), Map.of());
        GenerationParams p = GenerationParams.of("a <cat-toy> backpack", 5).withSize(64, 64).withSteps(2, "ddim");
        List<Adapters> adapters = List.of(new Adapters(LoraStack.none(), List.of(TextualInversionFile.read(embedding))),
                Adapters.none());

        assertThatThrownBy(() -> pipeline.generate(List.of(p, p), adapters, null))
                .hasMessage("a batch shares its Textual Inversion embeddings");
    }

    @Test
    void aLoraForAnotherArchitectureListsTheKeysItCannotPlace() throws Exception {
        Path sdxl = dir.resolve("sdxl.safetensors");
        SafeTensors.write(sdxl, Map.of("unet.down_blocks.2.attentions.1.transformer_blocks.9.attn1.to_q.lora_A.weight",
                TensorData.allocate(DType.FLOAT32, Shape.of(4, 1280))), Map.of());

        assertThatThrownBy(() -> LoraFile.read(sdxl, layers))
                .hasMessageContaining("1 LoRA keys match no layer of this model's UNet or text encoder")
                .hasMessageContaining("transformer_blocks.9.attn1.to_q.lora_A.weight");
    }
}
