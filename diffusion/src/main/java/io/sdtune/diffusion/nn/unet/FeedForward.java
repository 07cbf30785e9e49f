package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Linear;
import io.sdtune.diffusion.nn.Module;

/** diffusers' {@code FeedForward} with GEGLU: {@code net.0.proj} to 2x4·dim, {@code h · gelu(gate)}, {@code net.2} back. */
final class FeedForward extends Module {
    private final Linear proj;
    private final Linear out;

    FeedForward(Module parent, String name, long dim) {
        super(parent, name);
        long inner = 4 * dim;
        proj = new Linear(this, "net.0.proj", dim, 2 * inner, true);
        out = new Linear(this, "net.2", inner, dim, true);
    }

    Tensor forward(Tensor x) {
        try (var scope = enter()) {
            return out.forward(proj.forward(x).geglu());
        }
    }
}
