package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.Lora;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.LoraLayer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Several LoRAs applied at once, each with its strength, as one LoRA branch of a fixed capacity per
 * layer: {@code Σᵢ sᵢ Bᵢ Aᵢ = [B₁ … Bₙ 0] [s₁A₁; …; sₙAₙ; 0]}. The UNet and text-encoder graphs take
 * these matrices as inputs, one pair per sample of the batch, so a different set of adapters (of no more
 * total rank) is a different feed, not a new session, and the requests of one batch may each bring their
 * own (S-LoRA's and Punica's batching of adapters): the base model's weights stay bound. When a whole batch shares
 * one stack, its update can instead be merged into the weights ({@link #merged}), as diffusers' {@code fuse_lora}
 * does, so that drawing costs what the base model costs.
 */
public record LoraStack(List<Applied> adapters) {

    /**
     * One adapter, its strength ({@code --lora FILE:scale}, default 1) and the name an image's parameters give it
     * (AUTOMATIC1111's {@code <lora:NAME:SCALE>}; by default the file's name without its extension).
     */
    public record Applied(LoraFile lora, double scale, String name) {

        public Applied {
            name = name.replace(":", "").replace(",", ""); // as the web UI writes names into the parameters
        }

        public Applied(LoraFile lora, double scale) {
            this(lora, scale, stem(lora.file()));
        }

        private static String stem(Path file) {
            String name = file.getFileName().toString();
            int dot = name.lastIndexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        }
    }

    public LoraStack {
        adapters = List.copyOf(adapters);
    }

    public static LoraStack none() {
        return new LoraStack(List.of());
    }

    public boolean isEmpty() {
        return adapters.isEmpty();
    }

    /**
     * This stack without its adapters of strength 0, which add nothing: drawn without them, a stack of such adapters
     * draws the base model's image exactly (merged weights bound as inputs would not: ONNX Runtime treats a
     * convolution on constant weights otherwise).
     */
    public LoraStack effective() {
        return adapters.stream().allMatch(a -> a.scale() != 0) ? this
                : new LoraStack(adapters.stream().filter(a -> a.scale() != 0).toList());
    }

    /**
     * The total rank of the adapters in {@code component}, rounded up to a multiple of 8 so that similar
     * stacks share a session; 0 when none adapts it.
     */
    public int capacity(LoraFile.Component component) {
        int total = adapters.stream().mapToInt(a -> a.lora().rank(component)).sum();
        return (total + 7) / 8 * 8;
    }

    /**
     * The LoRA branches a graph of {@code component} needs to draw a batch of rows: on every layer one of their
     * adapters adapts (attention, feed-forward, time embedding, CLIP's MLP: whatever linear layers the files name),
     * of the capacity the largest stack needs. Every layer a file names is drawn with its update.
     */
    public static Branches branches(List<LoraStack> rows, LoraFile.Component component) {
        int capacity = rows.stream().mapToInt(stack -> stack.capacity(component)).max().orElse(0);
        SortedSet<String> layers = new TreeSet<>();
        rows.forEach(stack -> stack.adapters.forEach(a -> layers.addAll(a.lora().layers(component).keySet())));
        return new Branches(capacity, Collections.unmodifiableSortedSet(layers));
    }

    /** A graph's LoRA branches: their capacity (0: none) and the layers that have one. */
    public record Branches(int capacity, SortedSet<String> layers) {

        /** Part of a session's cache key: graphs with equal keys take the same LoRA inputs. */
        public String key() {
            return capacity == 0 ? "lora0" : "lora" + capacity + ":" + layersKey();
        }

        /** Part of a session's cache key for graphs that take these layers' weights as inputs (merged updates). */
        public String layersKey() {
            return UUID.nameUUIDFromBytes(String.join(",", layers).getBytes(StandardCharsets.UTF_8)).toString();
        }

        /** The graph's {@link Lora}, a branch per sample (the strengths are in the fed matrices); null for none. */
        public Lora lora(int samples) {
            return capacity == 0 ? null : new Lora(layers::contains, capacity, capacity).perSample(samples);
        }
    }

    /**
     * The values of the per-sample LoRA inputs ({@code <layer>.lora_A.weight} {@code [rows, capacity, in]},
     * {@code lora_B} {@code [rows, out, capacity]}) of a graph of {@code component}: row i holds the adapters of
     * {@code rows.get(i)} stacked along the rank, zero elsewhere, so each sample of a batch is drawn with its
     * own adapters. Each stack (by identity: a request's rows share one) is laid out once and copied to its rows.
     */
    public static Map<String, TensorData> feeds(List<LoraStack> rows, LoraFile.Component component,
            List<Tensor> loraInputs, DType dtype) {
        Map<String, TensorData> feeds = new LinkedHashMap<>();
        for (Tensor input : loraInputs) {
            Shape shape = input.shape();
            if (shape.rank() != 3 || shape.dim(0) != rows.size()) {
                throw new IllegalArgumentException("LoRA input " + input + " is not one matrix per row of " + rows.size());
            }
            Shape row = shape.slice(1, 3);
            TensorData t = TensorData.allocate(dtype, shape);
            Map<LoraStack, TensorData> laidOut = new IdentityHashMap<>();
            for (LoraStack stack : rows) {
                TensorData block = laidOut.computeIfAbsent(stack, s -> s.matrix(component, input.name(), row, dtype));
                t.data().put(block.data().duplicate().rewind());
            }
            t.data().rewind();
            feeds.put(input.name(), t);
        }
        return feeds;
    }

    /**
     * A stable name of this stack (its files and strengths), for caches of what is made from it: equal stacks read
     * from the same files have equal keys.
     */
    public String key() {
        StringBuilder key = new StringBuilder();
        for (Applied a : adapters) {
            key.append(a.lora().file().toAbsolutePath()).append('@').append(a.scale()).append(';');
        }
        return key.toString();
    }

    /**
     * Whether a layer of this stack has an update no LoRA branch draws (LoCon's convolutions, LoHa, LoKr, DoRA), so
     * that it is drawn only on merged weights.
     */
    public boolean needsMerging() {
        return adapters.stream().anyMatch(a -> Arrays.stream(LoraFile.Component.values())
                .anyMatch(c -> a.lora().layers(c).values().stream().anyMatch(l -> !l.branchable())));
    }

    /**
     * The weight of the layer {@code layer} of {@code component} ({@code [out, in]}, or a convolution's
     * {@code [out, in, kh, kw]}) with this stack's update merged in: {@code W + Σᵢ sᵢ ΔWᵢ} ({@code ΔW = (α/r) B A} for a
     * LoRA, {@link LoraLayer#delta} in general, each against the base weight, as AUTOMATIC1111 applies several),
     * summed in float32 and stored in {@code base}'s dtype (diffusers' {@code fuse_lora}); {@code base} itself when no
     * adapter adapts the layer.
     */
    public TensorData merged(LoraFile.Component component, String layer, TensorData base) {
        List<Applied> adapting = adapters.stream().filter(a -> a.lora().layers(component).containsKey(layer)).toList();
        if (adapting.isEmpty()) {
            return base;
        }
        float[] original = base.toFloatArray();
        float[] w = original.clone();
        for (Applied a : adapting) {
            float[] delta = a.lora().layers(component).get(layer).delta(original, base.shape());
            float s = (float) a.scale();
            for (int i = 0; i < w.length; i++) {
                w[i] += s * delta[i];
            }
        }
        TensorData merged = TensorData.of(w, base.shape().dims());
        return base.dtype() == DType.FLOAT32 ? merged : merged.to(base.dtype());
    }

    /** One row's value of the LoRA input {@code name}: this stack's matrices along the rank, zero after them. */
    private TensorData matrix(LoraFile.Component component, String name, Shape shape, DType dtype) {
        boolean isA = name.endsWith(".lora_A.weight");
        String layer = name.substring(0, name.lastIndexOf(".lora_"));
        TensorData t = TensorData.allocate(DType.FLOAT32, shape);
        int offset = 0;
        for (Applied a : adapters) {
            // A batch that mixes stacks has no layer a branch does not draw (needsMerging).
            LoraLayer.LowRank l = (LoraLayer.LowRank) a.lora().layers(component).get(layer);
            if (l == null) {
                continue;
            }
            int r = l.rank();
            if (isA) {
                long in = shape.dim(1);
                for (int i = 0; i < r; i++) {
                    for (long j = 0; j < in; j++) {
                        t.set((offset + i) * in + j, a.scale() * l.scale() * l.down().get(i * in + j));
                    }
                }
            } else {
                long out = shape.dim(0);
                long capacity = shape.dim(1);
                for (long o = 0; o < out; o++) {
                    for (int i = 0; i < r; i++) {
                        t.set(o * capacity + offset + i, l.up().get(o * r + i));
                    }
                }
            }
            offset += r;
        }
        return dtype == DType.FLOAT32 ? t : t.to(dtype);
    }
}
