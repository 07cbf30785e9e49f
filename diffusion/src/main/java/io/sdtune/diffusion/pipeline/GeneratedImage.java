package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.image.Png;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An 8-bit RGB image and the text chunks saved with it ({@code parameters}: how it was made). */
public record GeneratedImage(int width, int height, byte[] rgb, Map<String, String> text) {

    public void save(Path file) {
        Png.write(file, width, height, rgb, text);
    }

    /** The pixels as an AWT image (for image analysis; the text chunks stay here). */
    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < width * height; i++) {
            image.setRGB(i % width, i / width, (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | rgb[3 * i + 2] & 0xff);
        }
        return image;
    }

    /**
     * Decoder output {@code [n, 3, H, W]} in [-1, 1] to images, as diffusers' {@code (x / 2 + 0.5).clamp(0, 1)},
     * rounded: each prompt's of the batch in turn.
     */
    static List<List<GeneratedImage>> fromDecoded(TensorData decoded, List<GenerationParams> batch,
            List<Adapters> adapters, String modelName) {
        int h = (int) decoded.shape().dim(2);
        int w = (int) decoded.shape().dim(3);
        float[] x = decoded.toFloatArray();
        int plane = h * w;
        List<List<GeneratedImage>> all = new ArrayList<>();
        int image = 0;
        for (int prompt = 0; prompt < batch.size(); prompt++) {
            GenerationParams p = batch.get(prompt);
            Adapters used = adapters.get(prompt);
            List<GeneratedImage> images = new ArrayList<>();
            for (int i = 0; i < p.numImages(); i++, image++) {
                byte[] rgb = new byte[3 * plane];
                for (int c = 0; c < 3; c++) {
                    for (int p2 = 0; p2 < plane; p2++) {
                        double v = Math.min(1, Math.max(0, x[(image * 3 + c) * plane + p2] / 2 + 0.5));
                        rgb[p2 * 3 + c] = (byte) Math.round(v * 255);
                    }
                }
                images.add(new GeneratedImage(w, h, rgb, Map.of("parameters", p.infotext(i, modelName, used))));
            }
            all.add(images);
        }
        return all;
    }
}
