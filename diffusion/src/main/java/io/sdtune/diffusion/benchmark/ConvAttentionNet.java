package io.sdtune.diffusion.benchmark;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A network made of the parts of a Stable Diffusion UNet level: {@code conv_in}, then per block a
 * ResNet block (group norm, SiLU, 3x3 convolutions, residual), a strided down-sample, self-attention
 * over the spatial tokens (layer norm, q/k/v without bias as in diffusers, softmax, GELU'd output
 * projection, residual) and a nearest up-sample; {@code conv_out} and a spatial mean regress two
 * numbers per image with a mean-squared error. Used by the engine's tests (tiny) and benchmark (mid-size).
 */
public final class ConvAttentionNet {
    /** Sizes: batch, image channels in, hidden channels, image side, number of blocks. */
    public record Config(int batch, int inChannels, int channels, int resolution, int blocks, DType dtype) {
        public static Config tiny() {
            return new Config(4, 3, 8, 8, 1, DType.FLOAT32);
        }

        /** About 1 M parameters at 128 channels on 64 x 64 latents: a stand-in for one SD UNet level. */
        public static Config midSize() {
            return new Config(2, 4, 128, 64, 2, DType.FLOAT32);
        }
    }

    private final Config config;
    private final Graph graph = Graph.create();
    private final Tensor images;
    private final Tensor targets;
    private final Tensor loss;

    public ConvAttentionNet(Config config) {
        this.config = config;
        int c = config.channels();
        images = graph.input("images", config.dtype(), Shape.of(config.batch(), config.inChannels(), config.resolution(), config.resolution()));
        targets = graph.input("targets", config.dtype(), Shape.of(config.batch(), 2));
        Tensor h;
        try (var s = graph.scope("conv_in")) {
            h = images.conv2d(weight("weight", c, config.inChannels(), 3, 3), weight("bias", c), 1, 1);
        }
        for (int i = 0; i < config.blocks(); i++) {
            try (var s = graph.scope("blocks." + i + ".resnet")) {
                h = resnet(h);
            }
            try (var s = graph.scope("blocks." + i + ".downsample")) {
                h = h.conv2d(weight("weight", c, c, 3, 3), weight("bias", c), 2, 1);
            }
            try (var s = graph.scope("blocks." + i + ".attention")) {
                h = attention(h);
            }
            h = h.upsampleNearest2x();
        }
        try (var s = graph.scope("conv_out")) {
            h = h.groupNorm(groups(), weight("norm.weight", c), weight("norm.bias", c), 1e-5, true)
                    .conv2d(weight("weight", 2, c, 3, 3), weight("bias", 2), 1, 1);
        }
        loss = h.mean(false, 2, 3).sub(targets).square().mean();
    }

    public Graph graph() {
        return graph;
    }

    public Tensor loss() {
        return loss;
    }

    public long parameterCount() {
        return graph.weights().values().stream().mapToLong(t -> t.shape().size()).sum();
    }

    private int groups() {
        return Math.min(32, config.channels() / 4);
    }

    private Tensor resnet(Tensor x) {
        int c = config.channels();
        Tensor h = x.groupNorm(groups(), weight("norm1.weight", c), weight("norm1.bias", c), 1e-5, true);
        h = h.conv2d(weight("conv1.weight", c, c, 3, 3), weight("conv1.bias", c), 1, 1);
        h = h.groupNorm(groups(), weight("norm2.weight", c), weight("norm2.bias", c), 1e-5, true);
        h = h.conv2d(weight("conv2.weight", c, c, 3, 3), weight("conv2.bias", c), 1, 1);
        return x.add(h);
    }

    private Tensor attention(Tensor h) {
        long n = h.shape().dim(0);
        long c = h.shape().dim(1);
        long hw = h.shape().dim(2) * h.shape().dim(3);
        Tensor tokens = h.reshape(n, c, hw).transpose(0, 2, 1);
        Tensor x = tokens.layerNorm(weight("norm.weight", c), weight("norm.bias", c), 1e-5);
        Tensor q = x.linear(weight("to_q.weight", c, c), null);
        Tensor k = x.linear(weight("to_k.weight", c, c), null);
        Tensor v = x.linear(weight("to_v.weight", c, c), null);
        Tensor attn = q.matmul(k.mT()).mul(1 / Math.sqrt(c)).softmax(-1).matmul(v);
        Tensor out = tokens.add(attn.linear(weight("to_out.weight", c, c), weight("to_out.bias", c)).gelu());
        return out.transpose(0, 2, 1).reshape(h.shape());
    }

    private Tensor weight(String name, long... dims) {
        return graph.weight(graph.currentScope() + "." + name, config.dtype(), Shape.of(dims));
    }

    /** Seeded initial weights: norm scales at one, norm shifts at zero, the rest N(0, 1/fan_in). */
    public Map<String, TensorData> initialWeights(long seed) {
        Random random = new Random(seed);
        Map<String, TensorData> weights = new LinkedHashMap<>();
        for (Tensor t : graph.weights().values()) {
            boolean norm = t.name().contains("norm");
            long fanIn = t.rank() > 1 ? t.shape().size() / t.shape().dim(0) : 1;
            TensorData d = TensorData.randn(t.dtype(), t.shape(), norm ? 0 : 1 / Math.sqrt(fanIn), random);
            if (norm && t.name().endsWith("weight")) {
                double[] ones = new double[(int) t.shape().size()];
                Arrays.fill(ones, 1);
                d = TensorData.of(t.dtype(), t.shape(), ones);
            }
            weights.put(t.name(), d);
        }
        return weights;
    }

    /** A seeded batch: standard-normal images and targets. */
    public Map<String, TensorData> batch(long seed) {
        Random random = new Random(seed);
        return Map.of("images", TensorData.randn(config.dtype(), images.shape(), 1, random),
                "targets", TensorData.randn(config.dtype(), targets.shape(), 1, random));
    }
}
