package io.sdtune.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import org.junit.jupiter.api.Test;

/** A base model's layers from its two config files: the ones the generator resolves a LoRA against. */
class BaseModelShapesTest {
    @Test
    void theTinyModelsConfigsGiveItsLinearLayersAndTextEncoder() {
        ClipTextConfig text = ClipTextConfig.tiny();
        BaseModelShapes shapes = BaseModelShapes.of("tiny", UNet2DConditionConfig.tiny(text.hiddenSize()).toJson(), text.toJson());

        assertThat(shapes.loraLayers()).isEqualTo(TinyLoras.LAYERS);
        assertThat(shapes.textEncoder()).isEqualTo(text);
    }
}
