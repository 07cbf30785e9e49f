package io.sdtune.diffusion.nn;

import java.util.function.Predicate;

/**
 * Which {@link Linear} layers of a model carry a LoRA branch, {@code y = W x + b + (α/r) B A x}, and
 * of what rank. The branch's tensors are named as PEFT names them, {@code <layer>.lora_A.weight}
 * ({@code [r, in]}) and {@code <layer>.lora_B.weight} ({@code [out, r]}), under the model's prefix.
 *
 * @param alpha the scaling numerator (the diffusers scripts use {@code alpha = rank}: scale 1)
 * @param batch 0 for one branch that every sample goes through (trained, or one set of adapters); n for a
 *        branch per sample of a batch of n, its tensors {@code [n, r, in]} and {@code [n, out, r]}, so that the
 *        samples of one batch are drawn with different adapters
 */
public record Lora(Predicate<String> targets, int rank, double alpha, int batch) {

    public Lora {
        if (rank < 1 || batch < 0) {
            throw new IllegalArgumentException("LoRA rank must be at least 1 and batch at least 0, got " + rank
                    + " and " + batch);
        }
    }

    public Lora(Predicate<String> targets, int rank, double alpha) {
        this(targets, rank, alpha, 0);
    }

    /** The same layers with a branch per sample of a batch of {@code n}. */
    public Lora perSample(int n) {
        return new Lora(targets, rank, alpha, n);
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
