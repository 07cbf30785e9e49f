package io.sdtune.diffusion.nn;

import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which {@link Linear} layers of a model carry a LoRA branch, {@code y = W x + b + (α/r) B A x}, and
 * of what rank. The branch's tensors are named as PEFT names them, {@code <layer>.lora_A.weight}
 * ({@code [r, in]}) and {@code <layer>.lora_B.weight} ({@code [out, r]}), under the model's prefix. With a
 * {@code convRank}, the UNet's 3x3 convolutions that kohya's LoCon adapts ({@code conv_dim}: those of the ResNet
 * blocks and the samplers) carry one too, {@code y = conv(x, W) + conv(conv(x, A), B)}, {@code A [r, in, kh, kw]}
 * with the layer's stride and padding, {@code B [out, r, 1, 1]}, alpha = r.
 *
 * @param alpha the scaling numerator (the diffusers scripts use {@code alpha = rank}: scale 1)
 * @param batch 0 for one branch that every sample goes through (trained, or one set of adapters); n for a
 *        branch per sample of a batch of n, its tensors {@code [n, r, in]} and {@code [n, out, r]}, so that the
 *        samples of one batch are drawn with different adapters
 * @param convRank the convolutions' rank, 0 for none (generation draws them merged, never per sample)
 */
public record Lora(Predicate<String> targets, int rank, double alpha, int batch, int convRank) {

    private static final Pattern CONVOLUTIONS = Pattern.compile(".*(resnets\\.\\d+\\.conv[12]|(down|up)samplers\\.0\\.conv)");

    public Lora {
        if (rank < 1 || batch < 0 || convRank < 0) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, batch and convolution rank at least 0, "
                    + "got " + rank + ", " + batch + " and " + convRank);
        }
    }

    public Lora(Predicate<String> targets, int rank, double alpha) {
        this(targets, rank, alpha, 0, 0);
    }

    /** The same linear layers with a branch per sample of a batch of {@code n}. */
    public Lora perSample(int n) {
        return new Lora(targets, rank, alpha, n, 0);
    }

    /** The same, and kohya's LoCon convolutions with branches of {@code convRank} (0: none). */
    public Lora withConvolutions(int convRank) {
        return new Lora(targets, rank, alpha, batch, convRank);
    }

    /** Whether the convolution at {@code path} carries a branch. */
    public boolean adaptsConvolution(String path) {
        return convRank > 0 && CONVOLUTIONS.matcher(path).matches();
    }

    /**
     * The layers diffusers' {@code train_dreambooth_lora.py} adapts in the UNet: {@code to_q},
     * {@code to_k}, {@code to_v} and {@code to_out.0} of every attention.
     */
    public static Lora unetAttention(int rank) {
        return new Lora(path -> path.matches(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)"), rank, rank);
    }

    /**
     * The layers {@code train_dreambooth_lora.py --train_text_encoder} adapts in the CLIP text encoder
     * (PEFT {@code target_modules}): {@code q_proj}, {@code k_proj}, {@code v_proj} and {@code out_proj}
     * of every layer's self-attention.
     */
    public static Lora textEncoderAttention(int rank) {
        return new Lora(path -> path.matches(".*\\.self_attn\\.(q_proj|k_proj|v_proj|out_proj)"), rank, rank);
    }

    public double scale() {
        return alpha / rank;
    }
}
