package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Converting LoRAs between diffusers' and kohya's layouts, bit for bit. */
class LoraFileTest {
    private static final Set<String> SD15 = StableDiffusion.unetLinearLayers(UNet2DConditionConfig.sd15());
    private static final String LAYER = "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v";

    @Test
    void diffusersToKohyaAndBackIsBitExact(@TempDir Path dir) throws Exception {
        Random random = new Random(1);
        Map<String, TensorData> original = new LinkedHashMap<>();
        original.put("unet." + LAYER + ".lora_A.weight", TensorData.randn(DType.FLOAT16, Shape.of(8, 768), 1, random));
        original.put("unet." + LAYER + ".lora_B.weight", TensorData.randn(DType.FLOAT16, Shape.of(640, 8), 1, random));
        Path diffusers = dir.resolve("pytorch_lora_weights.safetensors");
        SafeTensors.write(diffusers, original, Map.of());

        LoraFile.read(diffusers, SD15).write(dir.resolve("kohya.safetensors"), LoraFile.Layout.KOHYA);
        LoraFile.read(dir.resolve("kohya.safetensors"), SD15).write(dir.resolve("back.safetensors"), LoraFile.Layout.DIFFUSERS);

        try (SafeTensors kohya = SafeTensors.open(dir.resolve("kohya.safetensors"));
                SafeTensors back = SafeTensors.open(dir.resolve("back.safetensors"))) {
            String k = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_v";
            assertThat(kohya.keys()).containsExactlyInAnyOrder(k + ".lora_down.weight", k + ".lora_up.weight", k + ".alpha");
            assertThat(kohya.get(k + ".alpha").get(0)).isEqualTo(8.0);
            assertThat(back.keys()).containsExactlyInAnyOrder("unet." + LAYER + ".lora_A.weight", "unet." + LAYER
                    + ".lora_B.weight", "unet." + LAYER + ".alpha");
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

        assertThat(again.layers().get(LAYER).scale()).isEqualTo(1.0 / 16);
        try (SafeTensors back = SafeTensors.open(dir.resolve("k2.safetensors"))) {
            for (String key : kohya.keySet()) {
                assertThat(bytes(back.get(key))).as(key).isEqualTo(bytes(kohya.get(key)));
            }
        }
    }

    private static byte[] bytes(TensorData t) {
        ByteBuffer b = t.data().duplicate().rewind();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
