package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A UNet LoRA read from a safetensors file in any of the layouts in use: diffusers/PEFT
 * ({@code unet.<layer>.lora_A.weight}, {@code lora_B}), diffusers before PEFT ({@code unet.<layer>.lora.down.weight},
 * {@code lora.up}), diffusers attention processors ({@code <block>.processor.to_q_lora.down.weight}) and
 * kohya/AUTOMATIC1111 ({@code lora_unet_<layer_with_underscores>.lora_down.weight}, {@code lora_up},
 * {@code .alpha}). Layers are diffusers module paths of the UNet.
 */
public final class LoraFile {
    private static final Pattern PEFT = Pattern.compile("(?:unet\\.)?(.+)\\.lora_([AB])\\.weight");
    private static final Pattern DIFFUSERS = Pattern.compile("(?:unet\\.)?(.+)\\.lora\\.(down|up)\\.weight");
    private static final Pattern PROCESSOR = Pattern.compile("(?:unet\\.)?(.+)\\.processor\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight");
    private static final Pattern KOHYA = Pattern.compile("lora_unet_(.+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");
    private static final Pattern ALPHA = Pattern.compile("(?:unet\\.)?(.+)\\.alpha");

    /** The two layouts files are written in. */
    public enum Layout { DIFFUSERS, KOHYA }

    /**
     * One adapted layer: {@code down [r, in]} (A), {@code up [out, r]} (B), as stored, and the stored
     * alpha, or null when the file has none (then alpha = r).
     */
    public record Layer(TensorData down, TensorData up, TensorData alpha) {
        public int rank() {
            return (int) down.shape().dim(0);
        }

        /** {@code alpha / r}: the factor on {@code B A}. */
        public double scale() {
            return alpha == null ? 1 : alpha.get(0) / rank();
        }
    }

    private final Path file;
    private final Map<String, Layer> layers;

    private LoraFile(Path file, Map<String, Layer> layers) {
        this.file = file;
        this.layers = layers;
    }

    /**
     * Reads {@code file}; {@code unetLinearLayers} are the UNet's linear layer paths (to resolve kohya's
     * underscored names and to check that every adapted layer exists).
     *
     * @throws IllegalArgumentException listing the keys that match no layer of this UNet
     */
    public static LoraFile read(Path file, Set<String> unetLinearLayers) {
        Map<String, String> underscored = new LinkedHashMap<>();
        unetLinearLayers.forEach(p -> underscored.put(p.replace('.', '_'), p));
        Map<String, TensorData> down = new LinkedHashMap<>();
        Map<String, TensorData> up = new LinkedHashMap<>();
        Map<String, TensorData> alphas = new LinkedHashMap<>();
        Set<String> unmatched = new TreeSet<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String key : st.keys()) {
                Matcher m;
                String layer;
                String part;
                if ((m = KOHYA.matcher(key)).matches()) {
                    layer = underscored.get(m.group(1));
                    part = m.group(2).startsWith("lora_down") ? "down" : m.group(2).startsWith("lora_up") ? "up" : "alpha";
                } else if ((m = PROCESSOR.matcher(key)).matches()) {
                    layer = m.group(1) + "." + (m.group(2).equals("to_out") ? "to_out.0" : m.group(2));
                    part = m.group(3);
                } else if ((m = DIFFUSERS.matcher(key)).matches()) {
                    layer = m.group(1);
                    part = m.group(2);
                } else if ((m = PEFT.matcher(key)).matches()) {
                    layer = m.group(1);
                    part = m.group(2).equals("A") ? "down" : "up";
                } else if ((m = ALPHA.matcher(key)).matches()) {
                    layer = m.group(1);
                    part = "alpha";
                } else {
                    layer = null;
                    part = null;
                }
                if (layer == null || !unetLinearLayers.contains(layer)) {
                    unmatched.add(key);
                    continue;
                }
                TensorData t = st.get(key);
                switch (part) {
                    case "down" -> down.put(layer, t);
                    case "up" -> up.put(layer, t);
                    default -> alphas.put(layer, t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        if (!unmatched.isEmpty()) {
            List<String> shown = new ArrayList<>(unmatched).subList(0, Math.min(8, unmatched.size()));
            throw new IllegalArgumentException(file + ": " + unmatched.size() + " LoRA keys match no layer of this model's "
                    + "UNet (a LoRA for another architecture, or for the text encoder, which is not applied yet): " + shown
                    + (unmatched.size() > shown.size() ? ", ..." : ""));
        }
        Map<String, Layer> layers = new LinkedHashMap<>();
        for (String layer : down.keySet()) {
            TensorData d = down.get(layer);
            TensorData u = up.get(layer);
            if (u == null || u.shape().dim(1) != d.shape().dim(0)) {
                throw new IllegalArgumentException(file + ": layer " + layer + " has no matching up/B matrix for its "
                        + "down/A matrix " + d.shape());
            }
            layers.put(layer, new Layer(d, u, alphas.get(layer)));
        }
        return new LoraFile(file, layers);
    }

    public Path file() {
        return file;
    }

    public Map<String, Layer> layers() {
        return layers;
    }

    /**
     * Writes the same tensors, bit for bit, in {@code layout}: diffusers/PEFT keys ({@code unet.<layer>.lora_A.weight},
     * {@code lora_B}, plus {@code unet.<layer>.alpha} where the source had an alpha) or kohya keys
     * ({@code lora_unet_<layer_with_underscores>.lora_down.weight}, {@code lora_up}, {@code .alpha}, the
     * alpha being the rank where the source had none, as kohya files always carry one).
     */
    public void write(Path target, Layout layout) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            Layer l = e.getValue();
            if (layout == Layout.DIFFUSERS) {
                out.put("unet." + e.getKey() + ".lora_A.weight", l.down());
                out.put("unet." + e.getKey() + ".lora_B.weight", l.up());
                if (l.alpha() != null) {
                    out.put("unet." + e.getKey() + ".alpha", l.alpha());
                }
            } else {
                String k = "lora_unet_" + e.getKey().replace('.', '_');
                out.put(k + ".lora_down.weight", l.down());
                out.put(k + ".lora_up.weight", l.up());
                out.put(k + ".alpha", l.alpha() != null ? l.alpha() : TensorData.scalar(DType.FLOAT32, l.rank()));
            }
        }
        try {
            SafeTensors.write(target, out, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** The largest rank over the layers. */
    public int rank() {
        return layers.values().stream().mapToInt(Layer::rank).max().orElse(0);
    }
}
