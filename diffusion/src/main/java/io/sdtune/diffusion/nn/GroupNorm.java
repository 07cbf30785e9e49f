package io.sdtune.diffusion.nn;

import io.sdtune.diffusion.graph.Tensor;

/** {@code torch.nn.GroupNorm} with a per-channel affine transform. */
public final class GroupNorm extends Module {
    private final int groups;
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    public GroupNorm(Module parent, String name, int groups, long channels, double eps) {
        super(parent, name);
        this.groups = groups;
        this.eps = eps;
        this.weight = parameter("weight", channels);
        this.bias = parameter("bias", channels);
    }

    public Tensor forward(Tensor x) {
        try (var scope = enter()) {
            return x.groupNorm(groups, weight, bias, eps, false);
        }
    }

    /** {@code silu(forward(x))}, as one fused op where the graph has it ({@link Tensor#groupNorm}). */
    public Tensor forwardSilu(Tensor x) {
        try (var scope = enter()) {
            return x.groupNorm(groups, weight, bias, eps, true);
        }
    }
}
