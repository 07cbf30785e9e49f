package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Converting LoRAs between diffusers' and kohya's layouts, bit for bit; matrices that do not fit their layer refused. */
class LoraFileTest {
    private static final Map<LoraFile.Component, Map<String, Shape>> SD15 =
            StableDiffusion.loraLayers(UNet2DConditionConfig.sd15(), ClipTextConfig.sd15());
    private static final Map<LoraFile.Component, Map<String, Shape>> TINY =
            StableDiffusion.loraLayers(UNet2DConditionConfig.tiny(ClipTextConfig.tiny().hiddenSize()), ClipTextConfig.tiny());
    private static final String LAYER = "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v";
    private static final String TEXT_LAYER = "text_model.encoder.layers.11.self_attn.out_proj";

    @Test
    void diffusersToKohyaAndBackIsBitExact(@TempDir Path dir) throws Exception {
        Random random = new Random(1);
        Map<String, TensorData> original = new LinkedHashMap<>();
        original.put("unet." + LAYER + ".lora.down.weight", TensorData.randn(DType.FLOAT16, Shape.of(8, 768), 1, random));
        original.put("unet." + LAYER + ".lora.up.weight", TensorData.randn(DType.FLOAT16, Shape.of(640, 8), 1, random));
        Path diffusers = dir.resolve("pytorch_lora_weights.safetensors");
        SafeTensors.write(diffusers, original, Map.of("format", "pt"));

        LoraFile.read(diffusers, SD15).write(dir.resolve("kohya.safetensors"), LoraFile.Layout.KOHYA);
        LoraFile.read(dir.resolve("kohya.safetensors"), SD15).write(dir.resolve("back.safetensors"), LoraFile.Layout.DIFFUSERS);

        try (SafeTensors kohya = SafeTensors.open(dir.resolve("kohya.safetensors"));
                SafeTensors back = SafeTensors.open(dir.resolve("back.safetensors"))) {
            String k = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_v";
            assertThat(kohya.keys()).containsExactlyInAnyOrder(k + ".lora_down.weight", k + ".lora_up.weight", k + ".alpha");
            assertThat(kohya.get(k + ".alpha").get(0)).isEqualTo(8.0);
            // kohya's alpha is the rank: diffusers' layout leaves it out, as train_dreambooth_lora.py does.
            assertThat(back.keys()).isEqualTo(original.keySet());
            assertThat(back.metadata()).isEqualTo(Map.of("format", "pt"));
            for (String key : original.keySet()) {
                assertThat(bytes(back.get(key))).isEqualTo(bytes(original.get(key)));
            }
        }
    }

    @Test
    void kohyaAlphaSurvivesTheRoundTrip(@TempDir Path dir) throws Exception {
        String k = "lora_unet_" + LAYER.replace('.', '_');
        Random random = new Random(2);
        Map<String, TensorData> kohya = Map.of(
                k + ".lora_down.weight", TensorData.randn(DType.FLOAT32, Shape.of(16, 768), 1, random),
                k + ".lora_up.weight", TensorData.randn(DType.FLOAT32, Shape.of(640, 16), 1, random),
                k + ".alpha", TensorData.scalar(DType.FLOAT32, 1));
        SafeTensors.write(dir.resolve("k.safetensors"), kohya, Map.of());

        LoraFile.read(dir.resolve("k.safetensors"), SD15).write(dir.resolve("d.safetensors"), LoraFile.Layout.DIFFUSERS);
        LoraFile again = LoraFile.read(dir.resolve("d.safetensors"), SD15);
        again.write(dir.resolve("k2.safetensors"), LoraFile.Layout.KOHYA);

        assertThat(((LoraLayer.LowRank) again.layers(LoraFile.Component.UNET).get(LAYER)).scale()).isEqualTo(1.0 / 16);
        try (SafeTensors d = SafeTensors.open(dir.resolve("d.safetensors"));
                SafeTensors back = SafeTensors.open(dir.resolve("k2.safetensors"))) {
            assertThat(d.keys()).containsExactlyInAnyOrder("unet." + LAYER + ".lora.down.weight",
                    "unet." + LAYER + ".lora.up.weight", "unet." + LAYER + ".alpha");
            for (String key : kohya.keySet()) {
                assertThat(bytes(back.get(key))).as(key).isEqualTo(bytes(kohya.get(key)));
            }
        }
    }

    @Test
    void aKohyaAlphaEqualToTheRankIsLeftOutOfDiffusersLayoutAndComesBackAsFloat32(@TempDir Path dir) throws Exception {
        String k = "lora_unet_" + LAYER.replace('.', '_');
        Random random = new Random(5);
        TensorData down = TensorData.randn(DType.FLOAT16, Shape.of(4, 768), 1, random);
        TensorData up = TensorData.randn(DType.FLOAT16, Shape.of(640, 4), 1, random);
        SafeTensors.write(dir.resolve("k.safetensors"), Map.of(k + ".lora_down.weight", down, k + ".lora_up.weight", up,
                k + ".alpha", TensorData.scalar(DType.FLOAT16, 4)), Map.of());

        LoraFile.read(dir.resolve("k.safetensors"), SD15).write(dir.resolve("d.safetensors"), LoraFile.Layout.DIFFUSERS);
        LoraFile.read(dir.resolve("d.safetensors"), SD15).write(dir.resolve("k2.safetensors"), LoraFile.Layout.KOHYA);

        try (SafeTensors d = SafeTensors.open(dir.resolve("d.safetensors"));
                SafeTensors back = SafeTensors.open(dir.resolve("k2.safetensors"))) {
            assertThat(d.keys()).containsExactlyInAnyOrder("unet." + LAYER + ".lora.down.weight",
                    "unet." + LAYER + ".lora.up.weight");
            assertThat(bytes(back.get(k + ".lora_down.weight"))).isEqualTo(bytes(down));
            assertThat(bytes(back.get(k + ".lora_up.weight"))).isEqualTo(bytes(up));
            assertThat(back.get(k + ".alpha").dtype()).isEqualTo(DType.FLOAT32);
            assertThat(back.get(k + ".alpha").get(0)).isEqualTo(4.0);
        }
    }

    @Test
    void textEncoderKeysSurviveDiffusersToKohyaAndBackBitExactly(@TempDir Path dir) throws Exception {
        Random random = new Random(3);
        Map<String, TensorData> original = new LinkedHashMap<>();
        original.put("unet." + LAYER + ".lora.down.weight", TensorData.randn(DType.FLOAT16, Shape.of(4, 768), 1, random));
        original.put("unet." + LAYER + ".lora.up.weight", TensorData.randn(DType.FLOAT16, Shape.of(640, 4), 1, random));
        String te = "text_encoder." + TEXT_LAYER;
        original.put(te + ".lora_linear_layer.down.weight", TensorData.randn(DType.FLOAT16, Shape.of(4, 768), 1, random));
        original.put(te + ".lora_linear_layer.up.weight", TensorData.randn(DType.FLOAT16, Shape.of(768, 4), 1, random));
        SafeTensors.write(dir.resolve("d.safetensors"), original, Map.of());

        LoraFile.read(dir.resolve("d.safetensors"), SD15).write(dir.resolve("k.safetensors"), LoraFile.Layout.KOHYA);
        LoraFile kohya = LoraFile.read(dir.resolve("k.safetensors"), SD15);
        kohya.write(dir.resolve("back.safetensors"), LoraFile.Layout.DIFFUSERS);

        assertThat(kohya.layers(LoraFile.Component.TEXT_ENCODER)).containsOnlyKeys(TEXT_LAYER);
        try (SafeTensors k = SafeTensors.open(dir.resolve("k.safetensors"));
                SafeTensors back = SafeTensors.open(dir.resolve("back.safetensors"))) {
            String kohyaTe = "lora_te_text_model_encoder_layers_11_self_attn_out_proj";
            assertThat(k.keys()).contains(kohyaTe + ".lora_down.weight", kohyaTe + ".lora_up.weight", kohyaTe + ".alpha");
            assertThat(bytes(k.get(kohyaTe + ".lora_up.weight")))
                    .isEqualTo(bytes(original.get(te + ".lora_linear_layer.up.weight")));
            assertThat(back.keys()).isEqualTo(original.keySet());
            for (String key : original.keySet()) {
                assertThat(bytes(back.get(key))).as(key).isEqualTo(bytes(original.get(key)));
            }
        }
    }

    @Test
    void peftKeysAreWrittenAsTheScriptWritesThem(@TempDir Path dir) throws Exception {
        Random random = new Random(6);
        TensorData a = TensorData.randn(DType.FLOAT32, Shape.of(2, 768), 1, random);
        TensorData b = TensorData.randn(DType.FLOAT32, Shape.of(640, 2), 1, random);
        TensorData teA = TensorData.randn(DType.FLOAT32, Shape.of(2, 768), 1, random);
        TensorData teB = TensorData.randn(DType.FLOAT32, Shape.of(768, 2), 1, random);
        String te = "text_encoder." + TEXT_LAYER;
        Map<String, TensorData> peft = Map.of("unet." + LAYER + ".lora_A.weight", a,
                "unet." + LAYER + ".lora_B.weight", b, te + ".lora_A.weight", teA, te + ".lora_B.weight", teB);
        Path file = dir.resolve("d.safetensors");

        LoraFile.of(file, peft, SD15).write(file, LoraFile.Layout.DIFFUSERS);

        try (SafeTensors d = SafeTensors.open(file)) {
            // get_peft_model_state_dict + convert_state_dict_to_diffusers, prefixed by save_lora_weights.
            assertThat(d.keys()).containsExactlyInAnyOrder("unet." + LAYER + ".lora.down.weight",
                    "unet." + LAYER + ".lora.up.weight", te + ".lora_linear_layer.down.weight",
                    te + ".lora_linear_layer.up.weight");
            assertThat(d.metadata()).isEqualTo(Map.of("format", "pt"));
            assertThat(bytes(d.get("unet." + LAYER + ".lora.down.weight"))).isEqualTo(bytes(a));
            assertThat(bytes(d.get("unet." + LAYER + ".lora.up.weight"))).isEqualTo(bytes(b));
            assertThat(bytes(d.get(te + ".lora_linear_layer.down.weight"))).isEqualTo(bytes(teA));
            assertThat(bytes(d.get(te + ".lora_linear_layer.up.weight"))).isEqualTo(bytes(teB));
        }
    }

    @Test
    void layersBeyondTheScriptsTargetsTakeTheirComponentsDiffusersModuleToo(@TempDir Path dir) throws Exception {
        String ff = "down_blocks.1.attentions.0.transformer_blocks.0.ff.net.2";
        String fc1 = "text_model.encoder.layers.0.mlp.fc1";
        assertThat(SD15.get(LoraFile.Component.UNET)).containsKey(ff);
        assertThat(SD15.get(LoraFile.Component.TEXT_ENCODER)).containsKey(fc1);
        Random random = new Random(7);
        Map<String, TensorData> kohya = new LinkedHashMap<>();
        Map<String, Shape> weights = Map.of("lora_unet_" + ff.replace('.', '_'), SD15.get(LoraFile.Component.UNET).get(ff),
                "lora_te_" + fc1.replace('.', '_'), SD15.get(LoraFile.Component.TEXT_ENCODER).get(fc1));
        weights.forEach((k, weight) -> {
            kohya.put(k + ".lora_down.weight", TensorData.randn(DType.FLOAT32, Shape.of(2, weight.dim(1)), 1, random));
            kohya.put(k + ".lora_up.weight", TensorData.randn(DType.FLOAT32, Shape.of(weight.dim(0), 2), 1, random));
            kohya.put(k + ".alpha", TensorData.scalar(DType.FLOAT32, 2));
        });
        SafeTensors.write(dir.resolve("k.safetensors"), kohya, Map.of());

        LoraFile.read(dir.resolve("k.safetensors"), SD15).write(dir.resolve("d.safetensors"), LoraFile.Layout.DIFFUSERS);

        try (SafeTensors d = SafeTensors.open(dir.resolve("d.safetensors"))) {
            assertThat(d.keys()).containsExactlyInAnyOrder("unet." + ff + ".lora.down.weight",
                    "unet." + ff + ".lora.up.weight", "text_encoder." + fc1 + ".lora_linear_layer.down.weight",
                    "text_encoder." + fc1 + ".lora_linear_layer.up.weight");
        }
    }

    @Test
    void everyLayoutOfATextEncoderLoraNamesTheSameLayer(@TempDir Path dir) throws Exception {
        Random random = new Random(4);
        TensorData down = TensorData.randn(DType.FLOAT32, Shape.of(2, 768), 1, random);
        TensorData up = TensorData.randn(DType.FLOAT32, Shape.of(768, 2), 1, random);
        String attention = "text_model.encoder.layers.0.self_attn";
        // PEFT, what train_dreambooth_lora.py (and LoraFile) writes, diffusers' old attention processors, kohya.
        Map<String, List<String>> layouts = Map.of(
                "peft", List.of("text_encoder." + attention + ".q_proj.lora_A.weight",
                        "text_encoder." + attention + ".q_proj.lora_B.weight"),
                "script", List.of("text_encoder." + attention + ".q_proj.lora_linear_layer.down.weight",
                        "text_encoder." + attention + ".q_proj.lora_linear_layer.up.weight"),
                "processor", List.of("text_encoder." + attention + ".to_q_lora.down.weight",
                        "text_encoder." + attention + ".to_q_lora.up.weight"),
                "kohya", List.of("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
                        "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight"));

        for (Map.Entry<String, List<String>> layout : layouts.entrySet()) {
            Path file = dir.resolve(layout.getKey() + ".safetensors");
            SafeTensors.write(file, Map.of(layout.getValue().get(0), down, layout.getValue().get(1), up), Map.of());
            LoraFile lora = LoraFile.read(file, SD15);

            assertThat(lora.layers(LoraFile.Component.UNET)).as(layout.getKey()).isEmpty();
            var layer = (LoraLayer.LowRank) lora.layers(LoraFile.Component.TEXT_ENCODER).get(attention + ".q_proj");
            assertThat(layer).as(layout.getKey()).isNotNull();
            assertThat(bytes(layer.down())).isEqualTo(bytes(down));
            assertThat(bytes(layer.up())).isEqualTo(bytes(up));
        }
    }

    @Test
    void keysOfAnotherArchitecturesTextEncoderAreListed(@TempDir Path dir) throws Exception {
        Path sdxl = dir.resolve("sdxl.safetensors");
        SafeTensors.write(sdxl, Map.of(
                "lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
                TensorData.allocate(DType.FLOAT32, Shape.of(4, 768)),
                "text_encoder.text_model.encoder.layers.12.self_attn.q_proj.lora_A.weight",
                TensorData.allocate(DType.FLOAT32, Shape.of(4, 768))), Map.of());

        assertThatThrownBy(() -> LoraFile.read(sdxl, SD15))
                .hasMessageContaining("2 LoRA keys match no layer of this model's UNet or text encoder")
                .hasMessageContaining("lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight")
                .hasMessageContaining("layers.12.self_attn.q_proj.lora_A.weight");
    }

    @Test
    void aMatrixThatDoesNotFitItsLayerIsRefusedNamingTheKeyAndBothShapes(@TempDir Path dir) throws Exception {
        String layer = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
        Shape weight = TINY.get(LoraFile.Component.UNET).get(layer);
        String key = "unet." + layer + ".lora.down.weight";
        Path file = dir.resolve("wide.safetensors");
        SafeTensors.write(file, Map.of(key, TensorData.allocate(DType.FLOAT32, Shape.of(4, weight.dim(1) + 1)),
                "unet." + layer + ".lora.up.weight", TensorData.allocate(DType.FLOAT32, Shape.of(weight.dim(0), 4))), Map.of());

        assertThatThrownBy(() -> LoraFile.read(file, TINY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": LoRA layer unet." + layer + " has weight " + weight + " [out, in]: tensor '" + key
                        + "' is [4, " + (weight.dim(1) + 1) + "], but must be [rank, " + weight.dim(1) + "]");
    }

    @Test
    void anUpMatrixOfAnotherLayerOrRankIsRefused(@TempDir Path dir) throws Exception {
        String layer = "text_model.encoder.layers.0.self_attn.out_proj";
        Shape weight = TINY.get(LoraFile.Component.TEXT_ENCODER).get(layer);
        String prefix = "lora_te_" + layer.replace('.', '_');
        Path file = dir.resolve("kohya.safetensors");
        SafeTensors.write(file, Map.of(
                prefix + ".lora_down.weight", TensorData.allocate(DType.FLOAT32, Shape.of(4, weight.dim(1))),
                prefix + ".lora_up.weight", TensorData.allocate(DType.FLOAT32, Shape.of(weight.dim(0), 8))), Map.of());

        assertThatThrownBy(() -> LoraFile.read(file, TINY))
                .hasMessage(file + ": LoRA layer text_encoder." + layer + " has weight " + weight + " [out, in]: tensor '"
                        + prefix + ".lora_up.weight' is [" + weight.dim(0) + ", 8], but must be [" + weight.dim(0)
                        + ", 4] for rank 4");
    }

    @Test
    void aRankBeyondTheLayersWidthAndAnUpWithoutDownAreRefused(@TempDir Path dir) throws Exception {
        String layer = "mid_block.attentions.0.transformer_blocks.0.attn2.to_k";
        Shape weight = TINY.get(LoraFile.Component.UNET).get(layer);
        long rank = Math.min(weight.dim(0), weight.dim(1)) + 1;
        Path tooHigh = dir.resolve("rank.safetensors");
        SafeTensors.write(tooHigh, Map.of(
                "unet." + layer + ".lora_A.weight", TensorData.allocate(DType.FLOAT32, Shape.of(rank, weight.dim(1))),
                "unet." + layer + ".lora_B.weight", TensorData.allocate(DType.FLOAT32, Shape.of(weight.dim(0), rank))), Map.of());
        Path orphan = dir.resolve("orphan.safetensors");
        SafeTensors.write(orphan, Map.of("unet." + layer + ".lora_B.weight",
                TensorData.allocate(DType.FLOAT32, Shape.of(weight.dim(0), 4))), Map.of());

        assertThatThrownBy(() -> LoraFile.read(tooHigh, TINY))
                .hasMessageContaining("tensor 'unet." + layer + ".lora_A.weight' is [" + rank + ", " + weight.dim(1) + "]")
                .hasMessageEndingWith("the rank must be 1 to min(out, in) = " + (rank - 1));
        assertThatThrownBy(() -> LoraFile.read(orphan, TINY))
                .hasMessageEndingWith(": keys [unet." + layer + ".lora_B.weight]: [lora_up.weight] without "
                        + "lora_down.weight");
    }

    private static byte[] bytes(TensorData t) {
        ByteBuffer b = t.data().duplicate().rewind();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
