package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.weights.LoraFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several LoRAs applied at once, each with its strength, as one LoRA branch of a fixed capacity per
 * layer: {@code Σᵢ sᵢ Bᵢ Aᵢ = [B₁ … Bₙ 0] [s₁A₁; …; sₙAₙ; 0]}. The UNet and text-encoder graphs take
 * these matrices as inputs, so a different set of adapters (of no more total rank) is a different feed,
 * not a new session: the base model's weights stay bound.
 */
public record LoraStack(List<Applied> adapters) {

    /** One adapter and its strength ({@code --lora FILE:scale}, default 1). */
    public record Applied(LoraFile lora, double scale) {
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
     * The total rank of the adapters in {@code component}, rounded up to a multiple of 8 so that similar
     * stacks share a session; 0 when none adapts it.
     */
    public int capacity(LoraFile.Component component) {
        int total = adapters.stream().mapToInt(a -> a.lora().rank(component)).sum();
        return (total + 7) / 8 * 8;
    }

    /**
     * The values of the LoRA inputs ({@code <layer>.lora_A.weight}, {@code lora_B}) of a graph of
     * {@code component} built with {@code capacity} rank: adapters stacked along the rank, zero elsewhere.
     */
    public Map<String, TensorData> feeds(LoraFile.Component component, List<Tensor> loraInputs, DType dtype) {
        Map<String, TensorData> feeds = new LinkedHashMap<>();
        for (Tensor input : loraInputs) {
            boolean isA = input.name().endsWith(".lora_A.weight");
            String layer = input.name().substring(0, input.name().length() - ".lora_A.weight".length());
            Shape shape = input.shape();
            TensorData t = TensorData.allocate(DType.FLOAT32, shape);
            int offset = 0;
            for (Applied a : adapters) {
                LoraFile.Layer l = a.lora().layers(component).get(layer);
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
            feeds.put(input.name(), dtype == DType.FLOAT32 ? t : t.to(dtype));
        }
        return feeds;
    }
}
