package io.sdtune.diffusion.optim;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A small network with the parts of a UNet block: convolutions, group norm, SiLU, a strided
 * down-sample, self-attention over the spatial tokens with layer norm, nearest up-sampling. It
 * regresses two numbers per image with a mean-squared error.
 */
final class TinyConvAttentionNet {
    static final int BATCH = 4;
    static final int CHANNELS = 8;

    final Graph graph = Graph.create();
    final Tensor images = graph.input("images", DType.FLOAT32, Shape.of(BATCH, 3, 8, 8));
    final Tensor targets = graph.input("targets", DType.FLOAT32, Shape.of(BATCH, 2));
    final Tensor loss;

    TinyConvAttentionNet() {
        Tensor h;
        try (var s = graph.scope("conv_in")) {
            h = images.conv2d(weight("weight", CHANNELS, 3, 3, 3), weight("bias", CHANNELS), 1, 1);
        }
        try (var s = graph.scope("norm")) {
            h = h.groupNorm(2, weight("weight", CHANNELS), weight("bias", CHANNELS), 1e-5).silu();
        }
        try (var s = graph.scope("downsample")) {
            h = h.conv2d(weight("weight", CHANNELS, CHANNELS, 3, 3), weight("bias", CHANNELS), 2, 1);
        }
        try (var s = graph.scope("attention")) {
            h = attention(h);
        }
        try (var s = graph.scope("conv_out")) {
            h = h.upsampleNearest2x().conv2d(weight("weight", 2, CHANNELS, 3, 3), weight("bias", 2), 1, 1);
        }
        Tensor prediction = h.mean(false, 2, 3);
        loss = prediction.sub(targets).square().mean();
    }

    private Tensor attention(Tensor h) {
        long n = h.shape().dim(0);
        long c = h.shape().dim(1);
        long hw = h.shape().dim(2) * h.shape().dim(3);
        Tensor tokens = h.reshape(n, c, hw).transpose(0, 2, 1);
        Tensor x;
        try (var s = graph.scope("norm")) {
            x = tokens.layerNorm(weight("weight", c), weight("bias", c), 1e-5);
        }
        Tensor q = linear("to_q", x, false);
        Tensor k = linear("to_k", x, false);
        Tensor v = linear("to_v", x, false);
        Tensor attn = q.matmul(k.mT()).mul(1 / Math.sqrt(c)).softmax(-1).matmul(v);
        Tensor out = tokens.add(linear("to_out", attn, true).gelu());
        return out.transpose(0, 2, 1).reshape(h.shape());
    }

    /** As in diffusers' attention, the q/k/v projections have no bias (a key bias has no gradient). */
    private Tensor linear(String name, Tensor x, boolean bias) {
        try (var s = graph.scope(name)) {
            long c = x.shape().dim(-1);
            return x.linear(weight("weight", c, c), bias ? weight("bias", c) : null);
        }
    }

    private Tensor weight(String name, long... dims) {
        String scope = graph.currentScope();
        return graph.weight(scope.isEmpty() ? name : scope + "." + name, DType.FLOAT32, Shape.of(dims));
    }

    /** Seeded initial weights: norms at identity, everything else small and random. */
    Map<String, TensorData> initialWeights(long seed) {
        Random random = new Random(seed);
        Map<String, TensorData> w = new LinkedHashMap<>();
        for (Tensor t : graph.weights().values()) {
            boolean norm = t.name().contains("norm");
            TensorData d = TensorData.randn(t.dtype(), t.shape(), norm ? 0 : 0.3, random);
            if (norm && t.name().endsWith("weight")) {
                d = TensorData.of(t.dtype(), t.shape(), java.util.stream.DoubleStream.generate(() -> 1).limit(t.shape().size()).toArray());
            }
            w.put(t.name(), d);
        }
        return w;
    }

    /** A seeded batch of images and targets. */
    Map<String, TensorData> batch(long seed) {
        Random random = new Random(seed);
        return Map.of("images", TensorData.randn(DType.FLOAT32, images.shape(), 1, random),
                "targets", TensorData.randn(DType.FLOAT32, targets.shape(), 1, random));
    }
}
