package io.sdtune.gateway.adapter;

import static io.sdtune.gateway.adapter.TinyLoras.LAYERS;
import static io.sdtune.gateway.adapter.TinyLoras.TEXT_LAYER;
import static io.sdtune.gateway.adapter.TinyLoras.UNET_LAYER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.weights.LoraFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRAs in each layout taken into diffusers' and given back in kohya's, bit for bit; a file that does not fit refused whole. */
class LoraFormatsTest {
    @TempDir
    Path dir;

    @Test
    void kohyaToDiffusersAndBackGivesTheSameTensors() throws Exception {
        Path kohya = TinyLoras.write(dir.resolve("my-style.safetensors"), TinyLoras.kohya(1));

        LoraFormats.convert(kohya, "my-style.safetensors", LAYERS, dir.resolve("diffusers.safetensors"), LoraFile.Layout.DIFFUSERS);
        LoraFormats.convert(dir.resolve("diffusers.safetensors"), "pytorch_lora_weights.safetensors", LAYERS,
                dir.resolve("back.safetensors"), LoraFile.Layout.KOHYA);

        // the generator's layout: diffusers' keys, the alphas that scale kept beside them
        assertThat(TinyLoras.tensors(dir.resolve("diffusers.safetensors"))).containsOnlyKeys(
                "unet." + UNET_LAYER + ".lora.down.weight", "unet." + UNET_LAYER + ".lora.up.weight",
                "unet." + UNET_LAYER + ".alpha",
                "text_encoder." + TEXT_LAYER + ".lora_linear_layer.down.weight",
                "text_encoder." + TEXT_LAYER + ".lora_linear_layer.up.weight");
        assertThat(TinyLoras.kohyaValues(dir.resolve("back.safetensors"))).isEqualTo(TinyLoras.kohyaValues(kohya));
    }

    @Test
    void peftKeysAreTakenIntoDiffusersLayout() throws Exception {
        Random random = new Random(2);
        Shape weight = LAYERS.get(LoraFile.Component.UNET).get(UNET_LAYER);
        Map<String, TensorData> peft = new LinkedHashMap<>();
        peft.put("unet." + UNET_LAYER + ".lora_A.weight", TensorData.randn(DType.FLOAT32, Shape.of(2, weight.dim(1)), 1, random));
        peft.put("unet." + UNET_LAYER + ".lora_B.weight", TensorData.randn(DType.FLOAT32, Shape.of(weight.dim(0), 2), 1, random));
        Path in = TinyLoras.write(dir.resolve("adapter_model.safetensors"), peft);

        LoraFormats.convert(in, "adapter_model.safetensors", LAYERS, dir.resolve("out.safetensors"), LoraFile.Layout.DIFFUSERS);

        var out = TinyLoras.tensors(dir.resolve("out.safetensors"));
        var original = TinyLoras.tensors(in);
        assertThat(out).containsOnlyKeys("unet." + UNET_LAYER + ".lora.down.weight", "unet." + UNET_LAYER + ".lora.up.weight");
        assertThat(out.get("unet." + UNET_LAYER + ".lora.down.weight")).isEqualTo(original.get("unet." + UNET_LAYER + ".lora_A.weight"));
        assertThat(out.get("unet." + UNET_LAYER + ".lora.up.weight")).isEqualTo(original.get("unet." + UNET_LAYER + ".lora_B.weight"));
    }

    @Test
    void aLoHaIsStoredInKohyasLayoutAndRefusedInDiffusers() throws Exception {
        Random random = new Random(5);
        Shape weight = LAYERS.get(LoraFile.Component.UNET).get(UNET_LAYER);
        String k = TinyLoras.kohyaName("lora_unet_", UNET_LAYER);
        Map<String, TensorData> loha = new LinkedHashMap<>();
        for (String w : new String[] {"w1", "w2"}) {
            loha.put(k + ".hada_" + w + "_a", TensorData.randn(DType.FLOAT16, Shape.of(weight.dim(0), 2), 1, random));
            loha.put(k + ".hada_" + w + "_b", TensorData.randn(DType.FLOAT16, Shape.of(2, weight.dim(1)), 1, random));
        }
        loha.put(k + ".alpha", TensorData.scalar(DType.FLOAT16, 1));
        Path in = TinyLoras.write(dir.resolve("loha.safetensors"), loha);

        LoraFormats.store(in, "loha.safetensors", LAYERS, dir.resolve("stored.safetensors"));

        assertThat(TinyLoras.tensors(dir.resolve("stored.safetensors"))).isEqualTo(TinyLoras.tensors(in));
        assertThatThrownBy(() -> LoraFormats.convert(in, "loha.safetensors", LAYERS, dir.resolve("out.safetensors"),
                LoraFile.Layout.DIFFUSERS))
                .isInstanceOf(RefusedFile.class)
                .hasMessage("loha.safetensors: layer unet." + UNET_LAYER + " is a LoHa, which diffusers' LoRA layout has "
                        + "no keys for; keep kohya's");
    }

    @Test
    void aKeyThatNamesNoLayerIsRefusedByName() throws Exception {
        Map<String, TensorData> tensors = TinyLoras.kohya(3);
        tensors.put("lora_unet_no_such_block_to_q.lora_down.weight", TensorData.randn(DType.FLOAT16, Shape.of(4, 32), 1, new Random(3)));
        Path in = TinyLoras.write(dir.resolve("other-model.safetensors"), tensors);

        assertThatThrownBy(() -> LoraFormats.convert(in, "other-model.safetensors", LAYERS, dir.resolve("out.safetensors"),
                LoraFile.Layout.DIFFUSERS))
                .isInstanceOf(RefusedFile.class)
                .hasMessageStartingWith("other-model.safetensors: 1 LoRA keys match no layer")
                .hasMessageContaining("lora_unet_no_such_block_to_q.lora_down.weight")
                .hasMessageNotContaining(dir.toString());
        assertThat(dir.resolve("out.safetensors")).doesNotExist();
    }

    @Test
    void aMatrixOfTheWrongShapeIsRefusedNamingItsKeyAndBothShapes() throws Exception {
        Map<String, TensorData> tensors = TinyLoras.kohya(4);
        String down = TinyLoras.kohyaName("lora_unet_", UNET_LAYER) + ".lora_down.weight";
        long in = LAYERS.get(LoraFile.Component.UNET).get(UNET_LAYER).dim(1);
        tensors.put(down, TensorData.randn(DType.FLOAT16, Shape.of(4, in + 1), 1, new Random(4)));
        Path file = TinyLoras.write(dir.resolve("wide.safetensors"), tensors);

        assertThatThrownBy(() -> LoraFormats.convert(file, "wide.safetensors", LAYERS, dir.resolve("out.safetensors"),
                LoraFile.Layout.DIFFUSERS))
                .isInstanceOf(RefusedFile.class)
                .hasMessageContaining("'" + down + "' is [4, " + (in + 1) + "]")
                .hasMessageContaining("must be [rank, " + in + "]");
    }

    @Test
    void aFileWithoutLoraTensorsIsRefused() throws Exception {
        Path empty = TinyLoras.write(dir.resolve("empty.safetensors"), Map.of());

        assertThatThrownBy(() -> LoraFormats.convert(empty, "empty.safetensors", LAYERS, dir.resolve("out.safetensors"),
                LoraFile.Layout.DIFFUSERS))
                .isInstanceOf(RefusedFile.class)
                .hasMessage("empty.safetensors holds no LoRA tensors");
    }

    @Test
    void aFileThatIsNoSafetensorsIsRefusedWithTheReason() throws Exception {
        Path broken = Files.write(dir.resolve("broken.safetensors"), new byte[] {16, 0, 0, 0, 0, 0, 0, 0, '{', '}'});

        assertThatThrownBy(() -> LoraFormats.convert(broken, "broken.safetensors", LAYERS, dir.resolve("out.safetensors"),
                LoraFile.Layout.DIFFUSERS))
                .isInstanceOf(RefusedFile.class)
                .hasMessageStartingWith("broken.safetensors: ");
    }
}
