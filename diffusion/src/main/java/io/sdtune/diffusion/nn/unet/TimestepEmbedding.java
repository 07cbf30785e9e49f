package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.Linear;
import io.sdtune.diffusion.nn.Module;
import java.util.List;

/**
 * The UNet's time conditioning: diffusers' {@code Timesteps} (sinusoidal features of the timestep,
 * {@code exp(−ln(10000)·k / (half − freq_shift))}, cos first with {@code flip_sin_to_cos}) followed by
 * {@code TimestepEmbedding} ({@code linear_1}, SiLU, {@code linear_2}).
 */
final class TimestepEmbedding extends Module {
    private final long channels;
    private final boolean flipSinToCos;
    private final double freqShift;
    private final Linear linear1;
    private final Linear linear2;

    TimestepEmbedding(Module parent, String name, long channels, long embedDim, boolean flipSinToCos, double freqShift) {
        super(parent, name);
        this.channels = channels;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
        linear1 = new Linear(this, "linear_1", channels, embedDim, true);
        linear2 = new Linear(this, "linear_2", embedDim, embedDim, true);
    }

    /** {@code timesteps}: float32 {@code [B]}; returns {@code [B, embedDim]} in the model's dtype. */
    Tensor forward(Tensor timesteps) {
        try (var scope = enter()) {
            int half = (int) (channels / 2);
            double[] freqs = new double[half];
            for (int k = 0; k < half; k++) {
                freqs[k] = Math.exp(-Math.log(10000) * k / (half - freqShift));
            }
            Tensor f = graph().constant(TensorData.of(DType.FLOAT32, Shape.of(1, half), freqs));
            Tensor args = timesteps.reshape(timesteps.shape().dim(0), 1).mul(f);
            List<Tensor> parts = flipSinToCos ? List.of(args.cos(), args.sin()) : List.of(args.sin(), args.cos());
            Tensor features = Tensor.concat(1, parts).cast(dtype());
            return linear2.forward(linear1.forward(features).silu());
        }
    }
}
