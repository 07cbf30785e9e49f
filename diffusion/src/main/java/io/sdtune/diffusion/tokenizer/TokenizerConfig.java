package io.sdtune.diffusion.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What encoding takes from {@code tokenizer_config.json}: the length every encoding is padded or cut
 * to, and the names of the special tokens.
 */
record TokenizerConfig(int modelMaxLength, String bosToken, String eosToken, String padToken, String unkToken) {

    /** transformers' {@code CLIPTokenizer} defaults, for a folder without the file or a key the file lacks. */
    static final TokenizerConfig CLIP_DEFAULTS =
            new TokenizerConfig(77, "<|startoftext|>", "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");

    /** The special tokens by their key in the file, {@code bos_token} first. */
    Map<String, String> specialTokens() {
        Map<String, String> byKey = new LinkedHashMap<>();
        byKey.put("bos_token", bosToken);
        byKey.put("eos_token", eosToken);
        byKey.put("pad_token", padToken);
        byKey.put("unk_token", unkToken);
        return byKey;
    }
}
