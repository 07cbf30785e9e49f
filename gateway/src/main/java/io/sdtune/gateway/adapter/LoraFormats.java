package io.sdtune.gateway.adapter;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.weights.LoraFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A LoRA rewritten from any layout {@link LoraFile} reads (diffusers', PEFT's, diffusers' attention processors',
 * kohya's, AUTOMATIC1111's, LyCORIS's) into the layout the store keeps - diffusers', what the trainer writes, or
 * kohya's for LyCORIS layers that diffusers' has no keys for; the generator reads both - or into kohya's. Every key
 * must name a layer of the base model with tensors of its shape, else the whole file is refused (LoraFile's rules):
 * nothing is dropped on the way. The tensors are copied bit for bit.
 */
final class LoraFormats {
    private LoraFormats() {
    }

    /**
     * Reads {@code in} (called {@code name} in refusals) against {@code loraLayers} and writes it to {@code out} in
     * the layout the store keeps ({@link LoraFile#preferredLayout}).
     *
     * @throws RefusedFile as {@link #convert}
     */
    static void store(Path in, String name, Map<LoraFile.Component, Map<String, Shape>> loraLayers, Path out)
            throws RefusedFile {
        LoraFile lora = read(in, name, loraLayers);
        lora.write(out, lora.preferredLayout());
    }

    /**
     * Reads {@code in} (called {@code name} in refusals) against {@code loraLayers} and writes it to {@code out}
     * in {@code layout}.
     *
     * @throws RefusedFile naming the keys that match no layer, or the key whose tensor does not fit its layer with
     *         both shapes, or a file that holds no LoRA at all, or LyCORIS layers asked for in diffusers' layout
     */
    static void convert(Path in, String name, Map<LoraFile.Component, Map<String, Shape>> loraLayers, Path out,
            LoraFile.Layout layout) throws RefusedFile {
        LoraFile lora = read(in, name, loraLayers);
        try {
            lora.write(out, layout);
        } catch (IllegalArgumentException e) {
            throw new RefusedFile(e.getMessage().replace(in.toString(), name));
        }
    }

    private static LoraFile read(Path in, String name, Map<LoraFile.Component, Map<String, Shape>> loraLayers)
            throws RefusedFile {
        LoraFile lora;
        try {
            lora = LoraFile.read(in, loraLayers);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new RefusedFile(e.getMessage().replace(in.toString(), name));
        }
        if (lora.layers(LoraFile.Component.UNET).isEmpty() && lora.layers(LoraFile.Component.TEXT_ENCODER).isEmpty()) {
            throw new RefusedFile(name + " holds no LoRA tensors");
        }
        return lora;
    }
}
