package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA of the UNet and the CLIP text encoder, read from a safetensors file in any of the layouts in use:
 * diffusers' ({@code unet.<layer>.lora.down.weight}, {@code lora.up}; {@code text_encoder.<layer>.lora_linear_layer
 * .down.weight}, {@code up}: what {@code train_dreambooth_lora.py} writes, and {@link Layout#DIFFUSERS} too), PEFT's
 * ({@code unet.<layer>.lora_A.weight}, {@code lora_B}; {@code text_encoder.<layer>.lora_A.weight}), diffusers'
 * attention processors ({@code <block>.processor.to_q_lora.down.weight}; {@code self_attn.to_q_lora.down.weight})
 * and kohya/AUTOMATIC1111's ({@code lora_unet_<layer_with_underscores>.lora_down.weight}, {@code lora_te_...},
 * {@code lora_up}, {@code .alpha}), with {@code <component>.<layer>.alpha} where given. Keys without a component
 * prefix belong to the component that has the layer. Layers are module paths within their component: linear layers,
 * and the UNet's convolutions for kohya's LoCon ({@code lora_down} {@code [r, in, kh, kw]}, {@code lora_up}
 * {@code [out, r, 1, 1]}). LyCORIS's other factorizations (LoHa, LoKr) and DoRA are refused by name.
 */
public final class LoraFile {
    private static final Pattern KOHYA = Pattern.compile("(lora_[a-z0-9]+_[^.]+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");
    private static final Pattern PROCESSOR = Pattern.compile("(.+?)(?:\\.processor)?\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight");
    private static final Pattern DIFFUSERS = Pattern.compile("(.+)\\.(?:lora|lora_linear_layer)\\.(down|up)\\.weight");
    private static final Pattern PEFT = Pattern.compile("(.+)\\.lora_([AB])\\.weight");
    private static final Pattern ALPHA = Pattern.compile("(.+)\\.alpha");

    /** The two layouts files are written in. */
    public enum Layout { DIFFUSERS, KOHYA }

    /**
     * The model components a LoRA adapts: their key prefixes in diffusers' and kohya's layouts, the module that
     * holds {@code down} and {@code up} in diffusers' layout, and the projections that diffusers'
     * attention-processor keys ({@code to_q_lora} ... {@code to_out_lora}) stand for.
     */
    public enum Component {
        // The modules are PEFT_TO_DIFFUSERS' (diffusers' utils/state_dict_utils.py), which train_dreambooth_lora.py
        // applies to get_peft_model_state_dict: to_q.lora_A -> to_q.lora.down for the UNet's projections,
        // .q_proj.lora_A -> .q_proj.lora_linear_layer.down for CLIP's. Other layers (kohya's ff.net, proj_in,
        // mlp.fc1) get them too rather than the lora_A that mapping leaves: diffusers' UNet loader converts all
        // keys or none, as the first one says (loaders/peft.py, load_lora_adapter).
        UNET("unet.", "lora_unet_", "lora",
                Map.of("to_q", "to_q", "to_k", "to_k", "to_v", "to_v", "to_out", "to_out.0")),
        TEXT_ENCODER("text_encoder.", "lora_te_", "lora_linear_layer",
                Map.of("to_q", "q_proj", "to_k", "k_proj", "to_v", "v_proj", "to_out", "out_proj"));

        private final String prefix;
        private final String kohyaPrefix;
        private final String loraModule;
        private final Map<String, String> processorProjections;

        Component(String prefix, String kohyaPrefix, String loraModule, Map<String, String> processorProjections) {
            this.prefix = prefix;
            this.kohyaPrefix = kohyaPrefix;
            this.loraModule = loraModule;
            this.processorProjections = processorProjections;
        }

        private String kohyaName(String layer) {
            return kohyaPrefix + layer.replace('.', '_');
        }
    }

    /**
     * One adapted layer: {@code down [r, in]} (A), {@code up [out, r]} (B), as stored, and the stored
     * alpha, or null when the file has none (then alpha = r). A convolution's (LoCon) are {@code down [r, in, kh, kw]}
     * and {@code up [out, r, 1, 1]}: its update {@code B A} is a weight {@code [out, in, kh, kw]} all the same.
     */
    public record Layer(TensorData down, TensorData up, TensorData alpha) {
        public int rank() {
            return (int) down.shape().dim(0);
        }

        /** Whether it adapts a convolution (LoCon), which takes no LoRA branch but a merged update. */
        public boolean convolution() {
            return down.shape().rank() == 4;
        }

        /** {@code alpha / r}: the factor on {@code B A}. */
        public double scale() {
            return alpha == null ? 1 : alpha.get(0) / rank();
        }
    }

    /** A linear layer of one component. */
    private record Target(Component component, String layer) {
    }

    /** What one key holds: the {@code down}, {@code up} or {@code alpha} part of a layer's LoRA. */
    private record Entry(Target target, String part) {
    }

    /** A tensor of the file and the key it is stored under. */
    private record Stored(String key, TensorData tensor) {
        Shape shape() {
            return tensor.shape();
        }
    }

    private final Path file;
    private volatile String webUiHash;
    private final Map<Component, Map<String, Layer>> layers;

    private LoraFile(Path file, Map<Component, Map<String, Layer>> layers) {
        this.file = file;
        this.layers = layers;
    }

    /**
     * Reads {@code file}; {@code loraLayers} are each component's layers a LoRA may adapt, by path, with the shape of
     * their weight {@code [out, in]} or {@code [out, in, kh, kw]} (to resolve kohya's underscored names, to check that
     * every adapted layer exists and that its matrices fit it).
     *
     * @throws IllegalArgumentException listing the keys that match no layer of this model, or naming a key whose
     *         matrix does not fit its layer with both shapes
     */
    public static LoraFile read(Path file, Map<Component, Map<String, Shape>> loraLayers) {
        try (SafeTensors st = SafeTensors.open(file)) {
            return parse(file, st.keys(), st::get, loraLayers);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * The LoRA that {@code tensors} hold, named in any layout {@link #read} takes (a training graph's as
     * {@link io.sdtune.diffusion.nn.Lora} names them), to be written to {@code file}.
     */
    public static LoraFile of(Path file, Map<String, TensorData> tensors, Map<Component, Map<String, Shape>> loraLayers) {
        return parse(file, tensors.keySet(), tensors::get, loraLayers);
    }

    /** Gets the tensor of a key; only keys that name a layer are got, so others may have any dtype. */
    private interface Tensors<E extends Exception> {
        TensorData get(String key) throws E;
    }

    private static <E extends Exception> LoraFile parse(Path file, Set<String> keys, Tensors<E> tensors,
            Map<Component, Map<String, Shape>> loraLayers) throws E {
        Map<String, Target> kohyaNames = new HashMap<>();
        loraLayers.forEach((c, paths) -> paths.keySet().forEach(p -> kohyaNames.put(c.kohyaName(p), new Target(c, p))));
        Map<Target, Stored> down = new LinkedHashMap<>();
        Map<Target, Stored> up = new LinkedHashMap<>();
        Map<Target, Stored> alphas = new LinkedHashMap<>();
        refuseLycoris(file, keys);
        Set<String> unmatched = new TreeSet<>();
        for (String key : keys) {
            Entry e = entry(key, loraLayers, kohyaNames);
            if (e == null) {
                unmatched.add(key);
                continue;
            }
            Stored t = new Stored(key, tensors.get(key));
            switch (e.part()) {
                case "down" -> down.put(e.target(), t);
                case "up" -> up.put(e.target(), t);
                default -> alphas.put(e.target(), t);
            }
        }
        if (!unmatched.isEmpty()) {
            List<String> shown = new ArrayList<>(unmatched).subList(0, Math.min(8, unmatched.size()));
            throw new IllegalArgumentException(file + ": " + unmatched.size() + " LoRA keys match no layer of this model's "
                    + "UNet or text encoder (a LoRA for another architecture?): " + shown
                    + (unmatched.size() > shown.size() ? ", ..." : ""));
        }
        Map<Component, Map<String, Layer>> layers = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            layers.put(c, new LinkedHashMap<>());
        }
        for (Target target : up.keySet()) {
            if (!down.containsKey(target)) {
                throw new IllegalArgumentException(file + ": LoRA tensor '" + up.get(target).key() + "' has no down/A matrix");
            }
        }
        for (Target target : down.keySet()) {
            Stored d = down.get(target);
            Stored u = up.get(target);
            if (u == null) {
                throw new IllegalArgumentException(file + ": LoRA tensor '" + d.key() + "' has no up/B matrix");
            }
            Stored alpha = alphas.get(target);
            requireFit(file, target, loraLayers.get(target.component()).get(target.layer()), d, u, alpha);
            layers.get(target.component()).put(target.layer(),
                    new Layer(d.tensor(), u.tensor(), alpha == null ? null : alpha.tensor()));
        }
        return new LoraFile(file, layers);
    }

    /** LyCORIS keys of the factorizations this reader does not apply: the file is refused, not applied in part. */
    private static final Map<String, String> LYCORIS = Map.of(".hada_", "LoHa (hada_w1_a, ...)", ".lokr_",
            "LoKr (lokr_w1, ...)", ".dora_scale", "DoRA (dora_scale)");

    private static void refuseLycoris(Path file, Set<String> keys) {
        for (Map.Entry<String, String> kind : LYCORIS.entrySet()) {
            List<String> found = keys.stream().filter(k -> k.contains(kind.getKey())).sorted().limit(3).toList();
            if (!found.isEmpty()) {
                throw new IllegalArgumentException(file + ": a LyCORIS " + kind.getValue() + " file, e.g. " + found
                        + "; LoRA and LoCon (lora_down/lora_up) files are read, this factorization is not yet");
            }
        }
    }

    /**
     * Checks a layer's matrices against its weight {@code [out, in]}: {@code down [r, in]}, {@code up [out, r]},
     * {@code 1 <= r <= min(in, out)} (a greater rank adds nothing), a one-value alpha; for a convolution's weight
     * {@code [out, in, kh, kw]}, {@code down [r, in, kh, kw]} and {@code up [out, r, 1, 1]}, the rank at most
     * {@code min(out, in kh kw)}. Indexed with the model's sizes, a matrix of another shape would be read out of bounds
     * or as wrong weights.
     */
    private static void requireFit(Path file, Target target, Shape weight, Stored down, Stored up, Stored alpha) {
        long out = weight.dim(0);
        long in = weight.size() / out;
        boolean conv = weight.rank() == 4;
        Shape kernel = weight.slice(1, weight.rank());
        String layer = "layer " + target.component().prefix + target.layer() + " has weight " + weight
                + (conv ? " [out, in, kh, kw]" : " [out, in]");
        if (down.shape().rank() != weight.rank() || !down.shape().slice(1, weight.rank()).equals(kernel)) {
            String dims = kernel.toString().substring(1);
            throw misfit(file, down, layer + ": its down/A matrix must be [rank, " + dims);
        }
        long rank = down.shape().dim(0);
        if (rank < 1 || rank > Math.min(in, out)) {
            throw misfit(file, down, layer + ": the rank must be 1 to min(out, in) = " + Math.min(in, out));
        }
        Shape expectedUp = conv ? Shape.of(out, rank, 1, 1) : Shape.of(out, rank);
        if (!up.shape().equals(expectedUp)) {
            throw misfit(file, up, layer + " and rank " + rank + ": its up/B matrix must be " + expectedUp);
        }
        if (alpha != null && alpha.shape().size() != 1) {
            throw misfit(file, alpha, "an alpha is one value");
        }
    }

    private static IllegalArgumentException misfit(Path file, Stored tensor, String rule) {
        return new IllegalArgumentException(file + ": LoRA tensor '" + tensor.key() + "' is " + tensor.shape()
                + ", but " + rule);
    }

    /** The layer and part {@code key} holds, or null when it names no linear layer of the model. */
    private static Entry entry(String key, Map<Component, Map<String, Shape>> loraLayers, Map<String, Target> kohyaNames) {
        Matcher m = KOHYA.matcher(key);
        if (m.matches()) {
            Target target = kohyaNames.get(m.group(1));
            String part = m.group(2).equals("alpha") ? "alpha" : m.group(2).startsWith("lora_down") ? "down" : "up";
            return target == null ? null : new Entry(target, part);
        }
        for (Component c : Component.values()) {
            if (key.startsWith(c.prefix)) {
                Entry e = diffusersEntry(c, key.substring(c.prefix.length()));
                return e != null && loraLayers.get(c).containsKey(e.target().layer()) ? e : null;
            }
        }
        for (Component c : Component.values()) {
            Entry e = diffusersEntry(c, key);
            if (e != null && loraLayers.get(c).containsKey(e.target().layer())) {
                return e;
            }
        }
        return null;
    }

    /** A key of diffusers' layouts without its component prefix, read as a key of {@code c}; null if it is none. */
    private static Entry diffusersEntry(Component c, String key) {
        Matcher m;
        if ((m = PROCESSOR.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1) + "." + c.processorProjections.get(m.group(2))), m.group(3));
        }
        if ((m = DIFFUSERS.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1)), m.group(2));
        }
        if ((m = PEFT.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1)), m.group(2).equals("A") ? "down" : "up");
        }
        if ((m = ALPHA.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1)), "alpha");
        }
        return null;
    }

    public Path file() {
        return file;
    }

    /** AUTOMATIC1111's short hash of the file ({@link WebUiHashes#lora}), computed once. */
    public String webUiHash() {
        String h = webUiHash;
        if (h == null) {
            h = WebUiHashes.lora(file);
            webUiHash = h;
        }
        return h;
    }

    /** The adapted layers of {@code component}, by module path (none when the file does not adapt it). */
    public Map<String, Layer> layers(Component component) {
        return layers.get(component);
    }

    /**
     * Writes the same tensors, bit for bit, in {@code layout}: diffusers keys ({@code unet.<layer>.lora.down.weight},
     * {@code lora.up}; {@code text_encoder.<layer>.lora_linear_layer.down.weight}, {@code up}), plus
     * {@code <component>.<layer>.alpha} where an alpha is not the rank, or kohya keys
     * ({@code lora_unet_<layer_with_underscores>.lora_down.weight}, {@code lora_te_...}, {@code lora_up},
     * {@code .alpha}, the alpha being the rank where the source had none, as kohya files always carry one).
     */
    public void write(Path target, Layout layout) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        layers.forEach((c, componentLayers) -> componentLayers.forEach((layer, l) -> {
            if (layout == Layout.DIFFUSERS) {
                String k = c.prefix + layer + "." + c.loraModule;
                out.put(k + ".down.weight", l.down());
                out.put(k + ".up.weight", l.up());
                // diffusers has no alpha key (its loader refuses keys without "lora") and takes alpha = rank:
                // only an alpha that scales (kohya's, mostly) is kept, so that it comes back to kohya bit for bit.
                if (l.scale() != 1) {
                    out.put(c.prefix + layer + ".alpha", l.alpha());
                }
            } else {
                String k = c.kohyaName(layer);
                out.put(k + ".lora_down.weight", l.down());
                out.put(k + ".lora_up.weight", l.up());
                out.put(k + ".alpha", l.alpha() != null ? l.alpha() : TensorData.scalar(DType.FLOAT32, l.rank()));
            }
        }));
        try {
            SafeTensors.write(target, out, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** The largest rank over the layers of {@code component}, 0 when it has none. */
    public int rank(Component component) {
        return layers.get(component).values().stream().mapToInt(Layer::rank).max().orElse(0);
    }
}
