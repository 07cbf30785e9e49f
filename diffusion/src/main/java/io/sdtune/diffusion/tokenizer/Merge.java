package io.sdtune.diffusion.tokenizer;

/** One line of {@code merges.txt}: two adjacent symbols that byte-pair encoding joins into one. */
record Merge(String left, String right) {

    String joined() {
        return left + right;
    }
}
