package io.sdtune.gateway.adapter;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.nn.ConfigFile;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.weights.LoraFile;
import java.util.Map;

/**
 * What an adapter file is checked and converted against: the base model's linear layers with their weights'
 * shapes (a LoRA's keys name them; kohya's underscored names are resolved through them) and its text encoder's
 * config (an embedding's width). Built from the two {@code config.json} files alone, by the code the generator and
 * {@code sd convert-lora} use ({@link StableDiffusion#loraLayers(UNet2DConditionConfig, ClipTextConfig)}), so the
 * gateway never needs the model's weights.
 */
public record BaseModelShapes(String id, Map<LoraFile.Component, Map<String, Shape>> loraLayers,
        ClipTextConfig textEncoder) {

    /** From the texts of {@code unet/config.json} and {@code text_encoder/config.json}. */
    public static BaseModelShapes of(String id, String unetConfigJson, String textEncoderConfigJson) {
        UNet2DConditionConfig unet = UNet2DConditionConfig.read(ConfigFile.parse(id + "/unet/config.json", unetConfigJson));
        ClipTextConfig textEncoder = ClipTextConfig.read(ConfigFile.parse(id + "/text_encoder/config.json", textEncoderConfigJson));
        return new BaseModelShapes(id, StableDiffusion.loraLayers(unet, textEncoder), textEncoder);
    }
}
