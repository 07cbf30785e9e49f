package io.sdtune.diffusion.tokenizer;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The normalizer of transformers' {@code CLIPTokenizer} as the tokenizers library runs it (transformers 5's only
 * CLIP tokenizer, {@code CLIPTokenizerFast} in 4): the text is composed (NFC), every run of whitespace becomes one
 * space, and each character is lower-cased on its own. Nothing is removed: control and format characters (a
 * zero-width space) stay and are byte-encoded like any other; accents stay; HTML entities such as {@code &amp;} are
 * not unescaped (only OpenAI's original tokenizer does that).
 *
 * <p>Character properties come from the JVM's Unicode tables (Java 25 knows Unicode 16), the library's from its
 * own; they differ only for characters assigned since.
 */
final class TextNormalizer {
    /** Unicode's White_Space, as the library's regex engine reads {@code \s}. */
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private TextNormalizer() {
    }

    static String normalize(String text) {
        String spaced = WHITESPACE.matcher(Normalizer.normalize(text, Normalizer.Form.NFC)).replaceAll(" ");
        StringBuilder lower = new StringBuilder(spaced.length());
        // Character by character, as the library does: a capital sigma is always σ, never the final ς.
        spaced.codePoints().forEach(c -> lower.append(Character.toString(c).toLowerCase(Locale.ROOT)));
        return lower.toString();
    }
}
