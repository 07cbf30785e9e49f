package io.sdtune.diffusion.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD 1.5's tokenizer gives the ids transformers' {@code CLIPTokenizer} gives (without ftfy). Expected
 * ids are entries of the bundled {@code vocab.json}; where BPE splits a word, the comment says how.
 */
class ClipTokenizerTest {
    private static final long BOS = 49406;
    private static final long EOS = 49407;
    /** Read-only tests share one tokenizer; tests that add tokens load their own. */
    private static final ClipTokenizer CLIP = ClipTokenizer.bundled();

    @Test
    void encodesAPromptAsBosTokensEosPaddedTo77() {
        Encoding encoding = CLIP.encode("a photo of sks dog");

        assertThat(encoding.inputIds()).hasSize(77).startsWith(BOS, 320, 1125, 539, 48136, 1929, EOS);
        assertThat(Arrays.copyOfRange(encoding.inputIds(), 7, 77)).containsOnly(EOS); // the pad token is EOS
        assertThat(encoding.tokenCount()).isEqualTo(7);
        assertThat(encoding.truncated()).isFalse();
        assertThat(encoding.droppedText()).isEmpty();
    }

    @Test
    void splitsPunctuationDigitsAndContractionsIntoWordsOfTheirOwn() {
        assertThat(CLIP.tokenize("Hello, World! 1234"))
                .containsExactly("hello</w>", ",</w>", "world</w>", "!</w>", "1</w>", "2</w>", "3</w>", "4</w>");
        assertThat(prompt("Hello, World! 1234")).containsExactly(3306, 267, 1002, 256, 272, 273, 274, 275);
        assertThat(CLIP.tokenize("don't")).containsExactly("don</w>", "'t</w>");
        assertThat(prompt("don't")).containsExactly(847, 713);
    }

    @Test
    void foldsCaseAndCollapsesWhitespace() {
        assertThat(prompt("  A   PHOTO\tof\n\nSKS  dog  ")).containsExactly(320, 1125, 539, 48136, 1929);
    }

    @Test
    void leavesHtmlEntitiesAsTheyAreLikeTransformers() {
        // OpenAI's own tokenizer unescapes HTML; transformers' CLIPTokenizer does not, so "&amp;" is three words.
        assertThat(CLIP.tokenize("salt &amp; pepper"))
                .containsExactly("salt</w>", "&</w>", "amp</w>", ";</w>", "pepper</w>");
        assertThat(prompt("salt &amp; pepper")).containsExactly(6611, 261, 6259, 282, 8253);
    }

    @Test
    void keepsAccentsAndEncodesEmojiByteByByte() {
        // In the byte alphabet "é" (C3 A9) is "Ã©" and "è" (C3 A8) is "Ã¨"; "crème" has no token of its own.
        assertThat(CLIP.tokenize("café crème")).containsExactly("cafÃ©</w>", "cr", "Ã¨", "me</w>");
        assertThat(prompt("café crème")).containsExactly(15304, 1075, 12138, 614);
        // "e" followed by a combining acute accent is composed to "é" first.
        assertThat(prompt("cafe\u0301 crème")).isEqualTo(prompt("café crème"));
        // The four bytes of U+1F60A (F0 9F 98 8A) merge into one token.
        assertThat(CLIP.tokenize("a cat 😊")).containsExactly("a</w>", "cat</w>", "ðŁĺĬ</w>");
        assertThat(prompt("a cat 😊")).containsExactly(320, 2368, 3020);
    }

    @Test
    void keepsInvisibleCharactersAsTokensAndBreaksWordsAtAnySpace() {
        // A zero-width space is not whitespace: it stays, a word of its own in the byte alphabet ("âĢĭ</w>").
        assertThat(CLIP.tokenize("sks\u200Bdog")).containsExactly("sks</w>", "âĢĭ</w>", "dog</w>");
        assertThat(prompt("sks\u200Bdog")).containsExactly(48136, 9844, 1929);
        assertThat(prompt("a\u00A0dog\u2028")).isEqualTo(prompt("a dog"));
    }

    /**
     * Prompts as transformers 5's {@code CLIPTokenizer} splits them (normalize, then added tokens, then CLIP's
     * pattern): every row is what {@code diffusion/bench/tokenizer_reference.py} printed with transformers 5.18.0 and
     * tokenizers 0.23.2 (2026-12-06).
     */
    @Test
    void aTableOfPromptsSplitAsTheTokenizersLibrarySplitsThem() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        tokenizer.addToken("<cat-toy>"); // 49408
        tokenizer.addToken("<sks>"); // 49409
        Map<String, long[]> table = new LinkedHashMap<>();
        // Added tokens match whatever their case, repeated, adjacent, or inside a word.
        table.put("A <CAT-TOY> backpack", new long[] {320, 49408, 14894});
        table.put("<cat-toy><cat-toy> on <Cat-Toy>", new long[] {49408, 49408, 525, 49408});
        table.put("a<sks>dog", new long[] {320, 49409, 1929});
        // A run of Chinese or Japanese characters is one word: one </w>, at its end.
        table.put("一只猫 on the beach", new long[] {19759, 222, 34517, 103, 163, 234, 360, 525, 518, 2117});
        table.put("猫の写真", new long[] {163, 234, 104, 21575, 44653, 33440, 509});
        // Punctuation and emoji runs are words; a capital sigma lower-cases to σ wherever it stands.
        table.put("Hello!!! 😊👍", new long[] {3306, 995, 4692, 4201});
        table.put("ΟΔΟΣ", new long[] {138, 123, 138, 112, 138, 123, 139, 481});
        // Special tokens only as written; a control character is a token.
        table.put("<|endoftext|>dog", new long[] {49407, 1929});
        table.put("<|ENDOFTEXT|>", new long[] {27, 347, 40786, 4160, 91, 285});
        table.put("a\u0000b", new long[] {320, 444, 321});
        // A zero-width space is no space but splits words; apostrophes, digits (one per token) and weights as typed.
        table.put("sks\u200bdog", new long[] {48136, 9844, 1929});
        table.put("Don't STOP, it's 4K UHD: 8k*3.5!", new long[] {847, 713, 1691, 267, 585, 568, 275, 330, 84, 4414, 281,
                279, 330, 265, 274, 269, 276, 256});
        table.put("  two   spaces\tand\na newline  ", new long[] {1237, 9006, 537, 320, 1218, 1148});
        table.put("Café Crème, naïve résumé", new long[] {15304, 1075, 12138, 614, 267, 1097, 35689, 563, 29106, 7054,
                4166});
        table.put("(masterpiece:1.2), [blurry], {best}", new long[] {263, 12066, 281, 272, 269, 273, 2361, 314, 21977,
                34067, 346, 949, 348});
        table.put("a 3D-render of 10,000 cats", new long[] {320, 274, 323, 268, 13024, 539, 272, 271, 267, 271, 271, 271,
                3989});
        table.put("<cat-toy>s and <sks>-style", new long[] {49408, 338, 537, 49409, 268, 1844});

        table.forEach((text, ids) -> {
            Encoding e = tokenizer.encode(text);
            assertThat(Arrays.copyOfRange(e.inputIds(), 1, e.tokenCount() - 1)).as(text).containsExactly(ids);
        });
        assertThat(tokenizer.tokenize("一只猫")).filteredOn(t -> t.endsWith("</w>")).hasSize(1);
    }

    @Test
    void refusesAnAddedTokenThatPromptsCouldNotTellFromAnother() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        tokenizer.addToken("<cat-toy>");

        assertThatThrownBy(() -> tokenizer.addToken("<Cat-Toy>")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"<cat-toy>\"").hasMessageContaining("whatever their case");
    }

    @Test
    void cutsALongPromptBeforeEosAndTellsWhatWasDropped() {
        // BOS and EOS take 2 of the 77 places, leaving 75 for the prompt.
        Encoding encoding = CLIP.encode("dog ".repeat(75) + "in the snow");

        long[] ids = encoding.inputIds();
        assertThat(ids).hasSize(77);
        assertThat(ids[0]).isEqualTo(BOS);
        assertThat(Arrays.copyOfRange(ids, 1, 76)).containsOnly(1929);
        assertThat(ids[76]).isEqualTo(EOS);
        assertThat(encoding.tokenCount()).isEqualTo(77);
        assertThat(encoding.truncated()).isTrue();
        assertThat(encoding.droppedTokens()).containsExactly("in</w>", "the</w>", "snow</w>");
        assertThat(encoding.droppedText()).isEqualTo("in the snow");
    }

    @Test
    void anAddedTokenIsMatchedWholeInThePrompt() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();

        int id = tokenizer.addToken("<cat-toy>");

        assertThat(id).isEqualTo(49408);
        assertThat(tokenizer.vocabSize()).isEqualTo(49409);
        assertThat(tokenizer.addedTokens()).isEqualTo(Map.of("<cat-toy>", 49408));
        assertThat(tokenizer.tokenId("<cat-toy>")).hasValue(49408);
        assertThat(tokenizer.encode("a <cat-toy> backpack").inputIds()).startsWith(BOS, 320, 49408, 14894, EOS);
        assertThat(tokenizer.encode("A<cat-toy>backpack")).isEqualTo(tokenizer.encode("a <cat-toy> backpack"));
        assertThat(tokenizer.encode("a backpack").inputIds()).startsWith(BOS, 320, 14894, EOS);
        assertThat(tokenizer.decode(new long[] {320, 49408, 14894})).isEqualTo("a <cat-toy> backpack");
    }

    @Test
    void refusesToAddATokenItAlreadyHas() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        tokenizer.addToken("<cat-toy>");

        // Both the word-final "dog</w>" and the word-inner "dog" (as in "dogs") are vocabulary tokens.
        for (String existing : List.of("dog</w>", "dog", "<|endoftext|>", "<cat-toy>")) {
            assertThatThrownBy(() -> tokenizer.addToken(existing))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + existing + "\"")
                    .hasMessageContaining("already has it, id " + tokenizer.tokenId(existing).getAsInt());
        }
        assertThat(tokenizer.vocabSize()).isEqualTo(49409);
    }

    @Test
    void decodesIdsBackToLowerCasedWords() {
        assertThat(CLIP.decode(CLIP.encode("Hello, World! 1234").inputIds()))
                .startsWith("<|startoftext|>hello , world ! 1 2 3 4 <|endoftext|><|endoftext|>");
        assertThat(CLIP.decode(new long[] {15304, 1075, 12138, 614, 3020})).isEqualTo("café crème 😊");
    }

    @Test
    void promptsArePaddedAndTruncatedToTheModelsLengthAsTheLibraryDoesForEachPadToken() {
        // transformers 5.18.0, padding="max_length", truncation=True, max_length=77 (tokenizer_reference.py's tables):
        // SD 1.x pads with <|endoftext|>, SD 2.x's tokenizer with "!" (id 0); a long prompt keeps 75 tokens and EOS.
        String phrase = "a highly detailed photograph of a red fox sitting in a snowy forest at dawn, ";
        long[] words = {320, 5302, 12609, 8853, 539, 320, 736, 3240, 4919, 530, 320, 14191, 4167, 536, 7689, 267};
        long[] truncated = new long[77];
        truncated[0] = BOS;
        for (int i = 1; i < 76; i++) {
            truncated[i] = words[(i - 1) % words.length];
        }
        truncated[76] = EOS;
        long[] shortSd1 = new long[77];
        Arrays.fill(shortSd1, EOS);
        shortSd1[0] = BOS;
        System.arraycopy(new long[] {320, 1125, 539, 320, 2368}, 0, shortSd1, 1, 5);
        long[] shortSd2 = shortSd1.clone();
        Arrays.fill(shortSd2, 7, 77, 0);

        assertThat(ClipTokenizer.bundled().encode(phrase.repeat(6)).inputIds()).containsExactly(truncated);
        assertThat(ClipTokenizer.bundledSd2().encode(phrase.repeat(6)).inputIds()).containsExactly(truncated);
        assertThat(ClipTokenizer.bundled().encode("a photo of a cat").inputIds()).containsExactly(shortSd1);
        assertThat(ClipTokenizer.bundledSd2().encode("a photo of a cat").inputIds()).containsExactly(shortSd2);
    }

    @Test
    void aTokenizerFolderLoadsLikeTheBundledTables(@TempDir Path dir) throws IOException {
        copyBundled(dir, "vocab.json", "merges.txt", "tokenizer_config.json");

        ClipTokenizer loaded = ClipTokenizer.load(dir);

        for (String prompt : List.of("a photo of sks dog", "Hello, World! 1234", "café 😊", "dog ".repeat(80))) {
            assertThat(loaded.encode(prompt)).as(prompt).isEqualTo(CLIP.encode(prompt));
        }
        assertThat(loaded.vocabSize()).isEqualTo(49408);
    }

    @Test
    void aFolderSavedAfterTextualInversionBringsItsPlaceholder(@TempDir Path dir) throws IOException {
        copyBundled(dir, "vocab.json", "merges.txt", "tokenizer_config.json");
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<cat-toy>\": 49408}");

        ClipTokenizer loaded = ClipTokenizer.load(dir);

        assertThat(loaded.addedTokens()).isEqualTo(Map.of("<cat-toy>", 49408));
        assertThat(loaded.encode("a <cat-toy> backpack").inputIds()).startsWith(BOS, 320, 49408, 14894, EOS);
    }

    @Test
    void tokenizerConfigSetsTheLengthOfEveryEncoding(@TempDir Path dir) throws IOException {
        copyBundled(dir, "vocab.json", "merges.txt");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 8}");

        ClipTokenizer loaded = ClipTokenizer.load(dir);

        assertThat(loaded.maxLength()).isEqualTo(8);
        assertThat(loaded.encode("a photo of sks dog").inputIds()).containsExactly(
                BOS, 320, 1125, 539, 48136, 1929, EOS, EOS);
        assertThat(loaded.encode("a photo of sks dog in the snow").droppedText()).isEqualTo("the snow");
    }

    @Test
    void aMissingOrMalformedFileIsNamed(@TempDir Path dir) throws IOException {
        copyBundled(dir, "vocab.json");
        Path merges = dir.resolve("merges.txt");

        assertThatThrownBy(() -> ClipTokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("missing tokenizer file " + merges);

        Files.writeString(merges, "#version: 0.2\ni n\nt h e\n");
        assertThatThrownBy(() -> ClipTokenizer.load(dir))
                .hasMessage(merges + " line 3: expected two symbols separated by one space, found \"t h e\"");

        Files.writeString(merges, "#version: 0.2\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": \"long\"}");
        assertThatThrownBy(() -> ClipTokenizer.load(dir))
                .hasMessageStartingWith(dir.resolve("tokenizer_config.json") + ": model_max_length must be an integer");
    }

    /** The prompt's ids between BOS and EOS. */
    private static long[] prompt(String text) {
        Encoding encoding = CLIP.encode(text);
        return Arrays.copyOfRange(encoding.inputIds(), 1, encoding.tokenCount() - 1);
    }

    private static void copyBundled(Path dir, String... names) throws IOException {
        for (String name : names) {
            try (InputStream in = ClipTokenizer.class.getResourceAsStream("clip/" + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
    }
}
