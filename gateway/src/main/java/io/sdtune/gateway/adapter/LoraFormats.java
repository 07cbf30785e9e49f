package io.sdtune.gateway.adapter;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.weights.LoraFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A LoRA rewritten from any layout {@link LoraFile} reads (diffusers', PEFT's, diffusers' attention processors',
 * kohya's and AUTOMATIC1111's) into diffusers' - what the trainer writes and the generator reads - or kohya's.
 * Every key must name a linear layer of the base model with matrices of its shape, else the whole file is refused
 * (LoraFile's rules): nothing is dropped on the way. The tensors are copied bit for bit.
 */
final class LoraFormats {
    private LoraFormats() {
    }

    /**
     * Reads {@code in} (called {@code name} in refusals) against {@code loraLayers} and writes it to {@code out}
     * in {@code layout}.
     *
     * @throws RefusedFile naming the keys that match no layer, or the key whose matrix does not fit its layer with
     *         both shapes, or a file that holds no LoRA at all
     */
    static void convert(Path in, String name, Map<LoraFile.Component, Map<String, Shape>> loraLayers, Path out,
            LoraFile.Layout layout) throws RefusedFile {
        LoraFile lora;
        try {
            lora = LoraFile.read(in, loraLayers);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new RefusedFile(e.getMessage().replace(in.toString(), name));
        }
        if (lora.layers(LoraFile.Component.UNET).isEmpty() && lora.layers(LoraFile.Component.TEXT_ENCODER).isEmpty()) {
            throw new RefusedFile(name + " holds no LoRA tensors");
        }
        lora.write(out, layout);
    }
}
