package io.sdtune.gateway.adapter;

import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.diffusion.training.LoraMethod;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a file of an adapter can be downloaded as ({@code ?format=}). The first a file offers is the file as the
 * method wrote it: diffusers' layout, the one the generator reads.
 */
public enum DownloadFormat {
    /** As stored: a LoRA with diffusers' keys, an embedding as {@code learned_embeds.safetensors}, a model's file. */
    DIFFUSERS,
    /** A LoRA with kohya's keys ({@code lora_unet_...}, {@code lora_te_...}, {@code .alpha}): AUTOMATIC1111, ComfyUI. */
    KOHYA,
    /** A DreamBooth model as one SD 1.x checkpoint in the original naming: AUTOMATIC1111's, ComfyUI's model file. */
    SINGLE_FILE,
    /** A DreamBooth model's diffusers folder as one zip: {@code from_pretrained} after unzipping. */
    ZIP;

    /**
     * The file of a DreamBooth model that stands for the whole model: the one that makes a folder a diffusers
     * pipeline ({@code from_pretrained} reads it first), so the model's own formats hang on it.
     */
    public static final String MODEL_INDEX = "model_index.json";

    /** The name in the API: {@code single_file}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DownloadFormat> of(String wireName) {
        return Arrays.stream(values()).filter(f -> f.wireName().equals(wireName)).findFirst();
    }

    /** The formats the file {@code name} (its path in the adapter) of an adapter of {@code kind} is offered in. */
    public static List<DownloadFormat> offered(AdapterKind kind, String name) {
        return switch (kind) {
            case LORA -> name.equals(LoraMethod.ARTIFACT) ? List.of(DIFFUSERS, KOHYA) : List.of(DIFFUSERS);
            case EMBEDDING -> List.of(DIFFUSERS);
            case FULL_UNET -> name.equals(MODEL_INDEX) ? List.of(DIFFUSERS, SINGLE_FILE, ZIP) : List.of(DIFFUSERS);
        };
    }
}
