package io.sdtune.gateway.adapter;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** LoRA files for the tiny model (diffusion's TinyModel), written in kohya's layout, and their tensors read back. */
public final class TinyLoras {
    public static final Map<LoraFile.Component, Map<String, Shape>> LAYERS = StableDiffusion.loraLayers(
            UNet2DConditionConfig.tiny(ClipTextConfig.tiny().hiddenSize()), ClipTextConfig.tiny());
    /** A cross-attention value projection of the UNet, and an attention output projection of the text encoder. */
    public static final String UNET_LAYER = layer(LoraFile.Component.UNET, "attn2.to_v");
    public static final String TEXT_LAYER = layer(LoraFile.Component.TEXT_ENCODER, "self_attn.out_proj");

    private TinyLoras() {
    }

    private static String layer(LoraFile.Component component, String suffix) {
        return LAYERS.get(component).keySet().stream().filter(k -> k.endsWith(suffix)).findFirst().orElseThrow();
    }

    public static String kohyaName(String prefix, String layer) {
        return prefix + layer.replace('.', '_');
    }

    /**
     * A kohya LoRA of rank 4 on {@link #UNET_LAYER} (alpha 2: a scale of 1/2) and {@link #TEXT_LAYER} (alpha 4), in
     * float16 as kohya's files mostly are.
     */
    public static Map<String, TensorData> kohya(long seed) {
        Random random = new Random(seed);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        put(tensors, kohyaName("lora_unet_", UNET_LAYER), LAYERS.get(LoraFile.Component.UNET).get(UNET_LAYER), 2, random);
        put(tensors, kohyaName("lora_te_", TEXT_LAYER), LAYERS.get(LoraFile.Component.TEXT_ENCODER).get(TEXT_LAYER), 4,
                random);
        return tensors;
    }

    private static void put(Map<String, TensorData> tensors, String name, Shape weight, double alpha, Random random) {
        tensors.put(name + ".lora_down.weight", TensorData.randn(DType.FLOAT16, Shape.of(4, weight.dim(1)), 1, random));
        tensors.put(name + ".lora_up.weight", TensorData.randn(DType.FLOAT16, Shape.of(weight.dim(0), 4), 1, random));
        tensors.put(name + ".alpha", TensorData.scalar(DType.FLOAT16, alpha));
    }

    public static Path write(Path file, Map<String, TensorData> tensors) throws IOException {
        SafeTensors.write(file, tensors, Map.of());
        return file;
    }

    /** Every tensor of a safetensors file, as its raw bytes, by key: two files hold the same tensors when equal. */
    public static Map<String, StoredTensor> tensors(Path file) throws IOException {
        Map<String, StoredTensor> tensors = new HashMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String key : st.keys()) {
                tensors.put(key, StoredTensor.of(st.get(key)));
            }
        }
        return tensors;
    }

    /**
     * The LoRA of a kohya file as values: its matrices bit for bit, its alphas by value. An alpha equal to the rank
     * has no key in diffusers' layout (it is the default there), and comes back to kohya's as the float32 scalar of
     * the same value that LoraFile writes wherever a layer has none.
     */
    public static Map<String, Object> kohyaValues(Path file) throws IOException {
        Map<String, Object> values = new HashMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String key : st.keys()) {
                values.put(key, key.endsWith(".alpha") ? (Object) st.get(key).get(0) : StoredTensor.of(st.get(key)));
            }
        }
        return values;
    }

    /** A tensor's dtype, shape and bytes, comparable by value. */
    public record StoredTensor(DType dtype, Shape shape, String hexBytes) {
        static StoredTensor of(TensorData t) {
            byte[] bytes = new byte[t.data().remaining()];
            t.data().duplicate().get(bytes);
            return new StoredTensor(t.dtype(), t.shape(), HexFormat.of().formatHex(bytes));
        }
    }
}
