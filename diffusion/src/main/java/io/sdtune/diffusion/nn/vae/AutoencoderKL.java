package io.sdtune.diffusion.nn.vae;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Attention;
import io.sdtune.diffusion.nn.Conv2d;
import io.sdtune.diffusion.nn.Downsample2D;
import io.sdtune.diffusion.nn.GroupNorm;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import io.sdtune.diffusion.nn.Upsample2D;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code AutoencoderKL}: the encoder maps images in [-1, 1] to a diagonal Gaussian over
 * latents ({@code quant_conv} then mean and log-variance), the decoder maps latents back
 * ({@code post_quant_conv} first). Latents are used scaled by {@code scaling_factor}; these methods
 * take and give them unscaled, as the diffusers model does.
 */
public final class AutoencoderKL extends Module {
    private static final double EPS = 1e-6;

    private final AutoencoderKLConfig config;
    private final Conv2d encoderConvIn;
    private final List<EncoderLevel> encoderLevels = new ArrayList<>();
    private final MidBlock encoderMid;
    private final GroupNorm encoderNormOut;
    private final Conv2d encoderConvOut;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;
    private final Conv2d decoderConvIn;
    private final MidBlock decoderMid;
    private final List<DecoderLevel> decoderLevels = new ArrayList<>();
    private final GroupNorm decoderNormOut;
    private final Conv2d decoderConvOut;

    /** The approximate posterior {@code N(mean, exp(logvar))} of the latents. */
    public record Posterior(Tensor mean, Tensor logvar) {
    }

    public AutoencoderKL(Graph graph, DType dtype, String prefix, AutoencoderKLConfig c) {
        super(graph, dtype, prefix);
        this.config = c;
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        long latent2 = 2L * c.latentChannels();
        encoderConvIn = new Conv2d(this, "encoder.conv_in", c.inChannels(), ch.get(0), 3, 1, 1);
        long out = ch.get(0);
        for (int i = 0; i < n; i++) {
            long in = out;
            out = ch.get(i);
            encoderLevels.add(new EncoderLevel(this, "encoder.down_blocks." + i, c, in, out, i == n - 1));
        }
        encoderMid = new MidBlock(this, "encoder.mid_block", ch.get(n - 1), c.normNumGroups());
        encoderNormOut = new GroupNorm(this, "encoder.conv_norm_out", c.normNumGroups(), ch.get(n - 1), EPS);
        encoderConvOut = new Conv2d(this, "encoder.conv_out", ch.get(n - 1), latent2, 3, 1, 1);
        quantConv = new Conv2d(this, "quant_conv", latent2, latent2, 1, 1, 0);
        postQuantConv = new Conv2d(this, "post_quant_conv", c.latentChannels(), c.latentChannels(), 1, 1, 0);
        decoderConvIn = new Conv2d(this, "decoder.conv_in", c.latentChannels(), ch.get(n - 1), 3, 1, 1);
        decoderMid = new MidBlock(this, "decoder.mid_block", ch.get(n - 1), c.normNumGroups());
        long prev = ch.get(n - 1);
        for (int i = 0; i < n; i++) {
            long levelOut = ch.get(n - 1 - i);
            decoderLevels.add(new DecoderLevel(this, "decoder.up_blocks." + i, c, prev, levelOut, i == n - 1));
            prev = levelOut;
        }
        decoderNormOut = new GroupNorm(this, "decoder.conv_norm_out", c.normNumGroups(), ch.get(0), EPS);
        decoderConvOut = new Conv2d(this, "decoder.conv_out", ch.get(0), c.outChannels(), 3, 1, 1);
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** Images {@code [B, 3, H, W]} in [-1, 1] to the posterior over unscaled latents {@code [B, 4, H/8, W/8]}. */
    public Posterior encode(Tensor images) {
        try (var scope = enter()) {
            Tensor h = encoderConvIn.forward(images);
            for (EncoderLevel level : encoderLevels) {
                h = level.forward(h);
            }
            h = encoderConvOut.forward(encoderNormOut.forward(encoderMid.forward(h)).silu());
            List<Tensor> moments = quantConv.forward(h).chunk(2, 1);
            return new Posterior(moments.get(0), moments.get(1).clip(-30, 20));
        }
    }

    /** Unscaled latents {@code [B, 4, h, w]} to images {@code [B, 3, 8h, 8w]}, nominally in [-1, 1]. */
    public Tensor decode(Tensor latents) {
        try (var scope = enter()) {
            Tensor h = decoderMid.forward(decoderConvIn.forward(postQuantConv.forward(latents)));
            for (DecoderLevel level : decoderLevels) {
                h = level.forward(h);
            }
            return decoderConvOut.forward(decoderNormOut.forward(h).silu());
        }
    }

    /** {@code DownEncoderBlock2D}: ResNets without time embedding, then a padded strided down-sample. */
    private static final class EncoderLevel extends Module {
        private final List<ResnetBlock2D> resnets = new ArrayList<>();
        private final Downsample2D downsampler;

        EncoderLevel(Module parent, String name, AutoencoderKLConfig c, long in, long out, boolean last) {
            super(parent, name);
            for (int j = 0; j < c.layersPerBlock(); j++) {
                resnets.add(new ResnetBlock2D(this, "resnets." + j, j == 0 ? in : out, out, 0, c.normNumGroups(), EPS));
            }
            downsampler = last ? null : new Downsample2D(this, "downsamplers.0", out, 0);
        }

        Tensor forward(Tensor h) {
            try (var scope = enter()) {
                for (ResnetBlock2D r : resnets) {
                    h = r.forward(h, null);
                }
                return downsampler == null ? h : downsampler.forward(h);
            }
        }
    }

    /** {@code UpDecoderBlock2D}: one more ResNet than the encoder's levels, then an up-sample. */
    private static final class DecoderLevel extends Module {
        private final List<ResnetBlock2D> resnets = new ArrayList<>();
        private final Upsample2D upsampler;

        DecoderLevel(Module parent, String name, AutoencoderKLConfig c, long in, long out, boolean last) {
            super(parent, name);
            for (int j = 0; j <= c.layersPerBlock(); j++) {
                resnets.add(new ResnetBlock2D(this, "resnets." + j, j == 0 ? in : out, out, 0, c.normNumGroups(), EPS));
            }
            upsampler = last ? null : new Upsample2D(this, "upsamplers.0", out);
        }

        Tensor forward(Tensor h) {
            try (var scope = enter()) {
                for (ResnetBlock2D r : resnets) {
                    h = r.forward(h, null);
                }
                return upsampler == null ? h : upsampler.forward(h);
            }
        }
    }

    /** {@code UNetMidBlock2D}: ResNet, single-head spatial self-attention, ResNet. */
    private static final class MidBlock extends Module {
        private final ResnetBlock2D resnet0;
        private final Attention attention;
        private final ResnetBlock2D resnet1;

        MidBlock(Module parent, String name, long channels, int groups) {
            super(parent, name);
            resnet0 = new ResnetBlock2D(this, "resnets.0", channels, channels, 0, groups, EPS);
            attention = new Attention(this, "attentions.0", channels, channels, 1, channels, true, groups, EPS, false);
            resnet1 = new ResnetBlock2D(this, "resnets.1", channels, channels, 0, groups, EPS);
        }

        Tensor forward(Tensor h) {
            try (var scope = enter()) {
                return resnet1.forward(attention.forwardSpatial(resnet0.forward(h, null)), null);
            }
        }
    }
}
