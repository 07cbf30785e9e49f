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
            var halves = proj.forward(x).chunk(2, -1);
            return out.forward(halves.get(0).mul(halves.get(1).gelu()));
        }
    }
}
