package io.sdtune.contracts.adapter;

/** What an adapter's files are, and so how a generator applies them. */
public enum AdapterKind {
    /** Low-rank weight deltas, {@code pytorch_lora_weights.safetensors}: applied on the resident base model at a scale. */
    LORA,
    /** A Textual Inversion embedding, {@code learned_embeds.safetensors}: new tokens for the text encoder. */
    EMBEDDING,
    /** A whole DreamBooth UNet, a diffusers {@code unet/} folder: replaces the base model's UNet. */
    FULL_UNET
}
