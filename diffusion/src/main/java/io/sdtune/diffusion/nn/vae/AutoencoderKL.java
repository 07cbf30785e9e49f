package io.sdtune.diffusion.nn.vae;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Conv2d;
import io.sdtune.diffusion.nn.Module;
import io.sdtune.diffusion.nn.ResnetBlock2D;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code AutoencoderKL}: the {@link Encoder} maps images in [-1, 1] to a diagonal Gaussian over
 * latents ({@code quant_conv} then mean and log-variance), the {@link Decoder} maps latents back
 * ({@code post_quant_conv} first). Latents are used scaled by {@code scaling_factor}; these methods
 * take and give them unscaled, as the diffusers model does.
 */
public final class AutoencoderKL extends Module {
    /** The VAE's norms' epsilon (diffusers fixes it at 1e-6). */
    static final double EPS = 1e-6;

    private final AutoencoderKLConfig config;
    private final Encoder encoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;
    private final Decoder decoder;

    /** The approximate posterior {@code N(mean, exp(logvar))} of the latents. */
    public record Posterior(Tensor mean, Tensor logvar) {
    }

    public AutoencoderKL(Graph graph, DType dtype, String prefix, AutoencoderKLConfig c) {
        super(graph, dtype, prefix);
        this.config = c;
        long latent2 = 2L * c.latentChannels();
        encoder = new Encoder(this, "encoder", c);
        quantConv = new Conv2d(this, "quant_conv", latent2, latent2, 1, 1, 0);
        postQuantConv = new Conv2d(this, "post_quant_conv", c.latentChannels(), c.latentChannels(), 1, 1, 0);
        decoder = new Decoder(this, "decoder", c);
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** Images {@code [B, 3, H, W]} in [-1, 1] to the posterior over unscaled latents {@code [B, 4, H/8, W/8]}. */
    public Posterior encode(Tensor images) {
        try (var scope = enter()) {
            List<Tensor> moments = quantConv.forward(encoder.forward(images)).chunk(2, 1);
            return new Posterior(moments.get(0), moments.get(1).clip(-30, 20));
        }
    }

    /** Unscaled latents {@code [B, 4, h, w]} to images {@code [B, 3, 8h, 8w]}, nominally in [-1, 1]. */
    public Tensor decode(Tensor latents) {
        try (var scope = enter()) {
            return decoder.forward(postQuantConv.forward(latents));
        }
    }

    /** {@code count} ResNets without time embedding, {@code in} to {@code out} channels then {@code out} to {@code out}. */
    static List<ResnetBlock2D> resnets(Module block, AutoencoderKLConfig c, int count, long in, long out) {
        List<ResnetBlock2D> resnets = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            resnets.add(new ResnetBlock2D(block, "resnets." + j, j == 0 ? in : out, out, 0, c.normNumGroups(), EPS));
        }
        return List.copyOf(resnets);
    }

    static Tensor forward(List<ResnetBlock2D> resnets, Tensor h) {
        for (ResnetBlock2D resnet : resnets) {
            h = resnet.forward(h, null);
        }
        return h;
    }
}
