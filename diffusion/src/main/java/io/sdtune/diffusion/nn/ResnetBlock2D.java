package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/**
 * diffusers' {@code ResnetBlock2D}: two (group norm, SiLU, 3x3 conv) stages, the time embedding
 * added in between when the block has one, and a 1x1 {@code conv_shortcut} when channels change.
 */
public final class ResnetBlock2D extends Module {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;

    /** {@code tembChannels == 0}: no time embedding (the VAE's blocks). */
    public ResnetBlock2D(Module parent, String name, long in, long out, long tembChannels, int groups, double eps) {
        super(parent, name);
        norm1 = new GroupNorm(this, "norm1", groups, in, eps);
        conv1 = new Conv2d(this, "conv1", in, out, 3, 1, 1);
        timeEmbProj = tembChannels > 0 ? new Linear(this, "time_emb_proj", tembChannels, out, true) : null;
        norm2 = new GroupNorm(this, "norm2", groups, out, eps);
        conv2 = new Conv2d(this, "conv2", out, out, 3, 1, 1);
        convShortcut = in != out ? new Conv2d(this, "conv_shortcut", in, out, 1, 1, 0) : null;
    }

    public Tensor forward(Tensor x, Tensor temb) {
        try (var scope = enter()) {
            Tensor h = conv1.forward(norm1.forwardSilu(x));
            if (timeEmbProj != null) {
                Tensor t = timeEmbProj.forward(temb.silu());
                h = h.add(t.reshape(t.shape().dim(0), t.shape().dim(1), 1, 1));
            }
            h = conv2.forward(norm2.forwardSilu(h));
            Tensor shortcut = convShortcut == null ? x : convShortcut.forward(x);
            return shortcut.add(h);
        }
    }
}
