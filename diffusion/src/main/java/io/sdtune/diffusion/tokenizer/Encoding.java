package io.sdtune.diffusion.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A prompt as the text encoder takes it.
 *
 * @param inputIds BOS, the prompt's token ids, EOS, then the pad id up to the tokenizer's
 *     {@code model_max_length} (77 for SD 1.5)
 * @param tokenCount how many of {@code inputIds} come before the padding, BOS and EOS included
 * @param droppedTokens the prompt's tokens cut off to make it fit, in order; empty when it fit
 * @param droppedText the text of {@code droppedTokens}, for the warning diffusers prints ("The following
 *     part of your input was truncated because CLIP can only handle sequences up to 77 tokens: ...")
 */
public record Encoding(long[] inputIds, int tokenCount, List<String> droppedTokens, String droppedText) {

    public Encoding {
        inputIds = inputIds.clone();
        droppedTokens = List.copyOf(droppedTokens);
        Objects.requireNonNull(droppedText, "droppedText");
        if (tokenCount < 2 || tokenCount > inputIds.length) {
            throw new IllegalArgumentException("tokenCount must be from 2 (BOS and EOS) to the " + inputIds.length
                    + " ids, found " + tokenCount);
        }
    }

    /** A copy: an encoding does not change. */
    @Override
    public long[] inputIds() {
        return inputIds.clone();
    }

    /** Whether the prompt was longer than fits, so {@link #droppedText()} was cut off. */
    public boolean truncated() {
        return !droppedTokens.isEmpty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Encoding that
                && Arrays.equals(inputIds, that.inputIds)
                && tokenCount == that.tokenCount
                && droppedTokens.equals(that.droppedTokens)
                && droppedText.equals(that.droppedText);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(inputIds), tokenCount, droppedTokens, droppedText);
    }

    @Override
    public String toString() {
        return "Encoding[inputIds=" + Arrays.toString(inputIds) + ", tokenCount=" + tokenCount
                + ", droppedTokens=" + droppedTokens + ", droppedText=" + droppedText + "]";
    }
}
