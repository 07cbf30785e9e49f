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
 * {@code [out, r, 1, 1]}). Kohya-named keys may hold LyCORIS's LoHa and LoKr and DoRA's {@code dora_scale} too
 * ({@link LoraLayer}); a part no {@link LoraLayer} reads (Tucker factors, OFT, ...) refuses the file, naming it.
 */
public final class LoraFile {
    private static final Pattern KOHYA = Pattern.compile("(lora_[a-z0-9]+_[^.]+)\\.(.+)");
    private static final Pattern PROCESSOR = Pattern.compile("(.+?)(?:\\.processor)?\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight");
    private static final Pattern DIFFUSERS = Pattern.compile("(.+)\\.(?:lora|lora_linear_layer)\\.(down|up)\\.weight");
    private static final Pattern PEFT = Pattern.compile("(.+)\\.lora_([AB])\\.weight");
    private static final Pattern ALPHA = Pattern.compile("(.+)\\.alpha");
    private static final Pattern PEFT_DORA = Pattern.compile("(.+)\\.(lora_magnitude_vector)(?:\\.weight)?");

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

    /** A layer of one component. */
    private record Target(Component component, String layer) {
    }

    /** What one key holds: a part of a layer's update, by its kohya/LyCORIS name ({@link LoraLayer#PARTS}). */
    private record Entry(Target target, String part) {
    }

    private final Path file;
    private volatile String webUiHash;
    private final Map<Component, Map<String, LoraLayer>> layers;

    private LoraFile(Path file, Map<Component, Map<String, LoraLayer>> layers) {
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
        Map<Target, Map<String, String>> keysOf = new LinkedHashMap<>();
        Set<String> unread = new TreeSet<>();
        Set<String> unmatched = new TreeSet<>();
        for (String key : keys) {
            Entry e = entry(key, loraLayers, kohyaNames);
            if (e == null) {
                unmatched.add(key);
            } else if (!LoraLayer.PARTS.contains(e.part())) {
                unread.add(key);
            } else {
                keysOf.computeIfAbsent(e.target(), t -> new LinkedHashMap<>()).put(e.part(), key);
            }
        }
        if (!unread.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + unread.size() + " LoRA keys hold parts this reader does "
                    + "not apply (it reads " + new TreeSet<>(LoraLayer.PARTS) + "; not LyCORIS's Tucker factors, OFT, "
                    + "full or norm layers, nor PEFT's DoRA magnitudes), so the file is refused, not applied in part: "
                    + listed(unread));
        }
        if (!unmatched.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + unmatched.size() + " LoRA keys match no layer of this "
                    + "model's UNet or text encoder (a LoRA for another architecture?): " + listed(unmatched));
        }
        Map<Component, Map<String, LoraLayer>> layers = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            layers.put(c, new LinkedHashMap<>());
        }
        for (Map.Entry<Target, Map<String, String>> layer : keysOf.entrySet()) {
            Target target = layer.getKey();
            Shape weight = loraLayers.get(target.component()).get(target.layer());
            Map<String, TensorData> parts = new LinkedHashMap<>();
            for (Map.Entry<String, String> part : layer.getValue().entrySet()) {
                parts.put(part.getKey(), tensors.get(part.getValue()));
            }
            try {
                layers.get(target.component()).put(target.layer(), LoraLayer.of(parts, weight));
            } catch (IllegalArgumentException e) {
                // The reason names a part first where it is about one: name the file's key instead.
                String reason = e.getMessage();
                String part = reason.substring(0, Math.max(0, reason.indexOf(' ')));
                String key = layer.getValue().get(part);
                throw new IllegalArgumentException(file + ": LoRA layer " + target.component().prefix + target.layer()
                        + " has weight " + weight + (weight.rank() == 4 ? " [out, in, kh, kw]" : " [out, in]") + ": "
                        + (key != null ? "tensor '" + key + "'" + reason.substring(part.length())
                                : "keys " + layer.getValue().values() + ": " + reason), e);
            }
        }
        return new LoraFile(file, layers);
    }

    private static String listed(Set<String> keys) {
        List<String> shown = new ArrayList<>(keys).subList(0, Math.min(8, keys.size()));
        return shown + (keys.size() > shown.size() ? ", ..." : "");
    }

    /** The layer and part {@code key} holds, or null when it names no linear layer of the model. */
    private static Entry entry(String key, Map<Component, Map<String, Shape>> loraLayers, Map<String, Target> kohyaNames) {
        Matcher m = KOHYA.matcher(key);
        if (m.matches()) {
            Target target = kohyaNames.get(m.group(1));
            return target == null ? null : new Entry(target, m.group(2));
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
            return new Entry(new Target(c, m.group(1) + "." + c.processorProjections.get(m.group(2))), part(m.group(3)));
        }
        if ((m = DIFFUSERS.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1)), part(m.group(2)));
        }
        if ((m = PEFT.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1)), part(m.group(2).equals("A") ? "down" : "up"));
        }
        if ((m = ALPHA.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1)), "alpha");
        }
        if ((m = PEFT_DORA.matcher(key)).matches()) {
            return new Entry(new Target(c, m.group(1)), m.group(2));
        }
        return null;
    }

    /** The kohya part name of diffusers' {@code down} and {@code up}. */
    private static String part(String diffusers) {
        return "lora_" + diffusers + ".weight";
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
    public Map<String, LoraLayer> layers(Component component) {
        return layers.get(component);
    }

    /**
     * Writes the same tensors, bit for bit, in {@code layout}: diffusers keys ({@code unet.<layer>.lora.down.weight},
     * {@code lora.up}; {@code text_encoder.<layer>.lora_linear_layer.down.weight}, {@code up}), plus
     * {@code <component>.<layer>.alpha} where an alpha is not the rank, or kohya keys
     * ({@code lora_unet_<layer_with_underscores>.<part>}, {@code lora_te_...}: {@code lora_down.weight},
     * {@code lora_up.weight}, LyCORIS's parts, {@code .alpha}, a LoRA's alpha being the rank where the source had
     * none, as kohya files always carry one).
     *
     * @throws IllegalArgumentException for diffusers' layout of a file with LoHa, LoKr or DoRA layers, which it has
     *         no keys for
     */
    public void write(Path target, Layout layout) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        layers.forEach((c, componentLayers) -> componentLayers.forEach((layer, l) -> {
            if (layout == Layout.KOHYA) {
                String k = c.kohyaName(layer);
                l.parts().forEach((part, t) -> out.put(k + "." + part, t));
                if (l instanceof LoraLayer.LowRank lowRank && lowRank.alpha() == null) {
                    out.put(k + ".alpha", TensorData.scalar(DType.FLOAT32, lowRank.rank()));
                }
            } else if (l instanceof LoraLayer.LowRank lowRank) {
                String k = c.prefix + layer + "." + c.loraModule;
                out.put(k + ".down.weight", lowRank.down());
                out.put(k + ".up.weight", lowRank.up());
                // diffusers has no alpha key (its loader refuses keys without "lora") and takes alpha = rank:
                // only an alpha that scales (kohya's, mostly) is kept, so that it comes back to kohya bit for bit.
                if (lowRank.scale() != 1) {
                    out.put(c.prefix + layer + ".alpha", lowRank.alpha());
                }
            } else {
                throw new IllegalArgumentException(file + ": layer " + c.prefix + layer + " is a " + l.kind()
                        + ", which diffusers' LoRA layout has no keys for; keep kohya's");
            }
        }));
        try {
            SafeTensors.write(target, out, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Diffusers' layout for a LoRA of linear layers (what diffusers' scripts write and read), else kohya's: how
     * kohya writes a LoCon, and the only layout with keys for LyCORIS's LoHa, LoKr and DoRA.
     */
    public Layout preferredLayout() {
        return layers.values().stream().flatMap(l -> l.values().stream())
                .allMatch(LoraLayer::branchable) ? Layout.DIFFUSERS : Layout.KOHYA;
    }

    /** The largest rank over the layers of {@code component} a LoRA branch draws, 0 when it has none. */
    public int rank(Component component) {
        return layers.get(component).values().stream().filter(LoraLayer::branchable)
                .mapToInt(l -> ((LoraLayer.LowRank) l).rank()).max().orElse(0);
    }
}
