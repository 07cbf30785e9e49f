package io.sdtune.diffusion.nn.clip;

import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Linear;
import io.sdtune.diffusion.nn.Module;

/** transformers' {@code CLIPMLP}: {@code fc2(act(fc1(h)))}, the activation {@code hidden_act} (quick_gelu or gelu). */
final class ClipMlp extends Module {
    private final Linear fc1;
    private final Linear fc2;
    private final boolean quickGelu;

    ClipMlp(Module parent, String name, ClipTextConfig c) {
        super(parent, name);
        fc1 = new Linear(this, "fc1", c.hiddenSize(), c.intermediateSize(), true);
        fc2 = new Linear(this, "fc2", c.intermediateSize(), c.hiddenSize(), true);
        quickGelu = c.hiddenAct().equals("quick_gelu");
    }

    Tensor forward(Tensor h) {
        try (var scope = enter()) {
            Tensor m = fc1.forward(h);
            return fc2.forward(quickGelu ? m.quickGelu() : m.gelu());
        }
    }
}
