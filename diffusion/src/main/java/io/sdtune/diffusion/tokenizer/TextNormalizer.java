package io.sdtune.diffusion.tokenizer;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The cleaning transformers' {@code CLIPTokenizer} does when ftfy is not installed (its
 * {@code BasicTokenizer} with accents kept and no punctuation splitting): control and format
 * characters (zero-width spaces and joiners among them), NUL and U+FFFD are removed; every kind of
 * whitespace becomes a word break; CJK ideographs become words of their own; the text is composed
 * (NFC), lower-cased, and its words joined by single spaces. Accents stay, and HTML entities such as
 * {@code &amp;} are not unescaped: only OpenAI's original tokenizer does that.
 *
 * <p>Two differences from Python remain, both from the JDK: character categories come from the JVM's
 * Unicode tables, so a character newer than them (Java 25 knows Unicode 16)
 * counts as unassigned and is removed, where a Python with newer tables keeps it; and Java lower-cases
 * a capital sigma inside a word by word boundaries where Python uses Unicode's final-sigma context,
 * which differs only for a sigma between a letter and a digit or an underscore ({@code ΟΔΟΣ4}).
 */
final class TextNormalizer {

    private TextNormalizer() {
    }

    static String normalize(String text) {
        StringBuilder cleaned = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (isWordBreak(c)) {
                cleaned.append(' ');
            } else if (isCjkIdeograph(c)) {
                cleaned.append(' ').appendCodePoint(c).append(' ');
            } else if (!isRemoved(c)) {
                cleaned.appendCodePoint(c);
            }
        });
        String composed = Normalizer.normalize(cleaned, Normalizer.Form.NFC);
        return Arrays.stream(composed.split(" "))
                .filter(word -> !word.isEmpty())
                .map(word -> word.toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(" "));
    }

    /**
     * Tab, newline, carriage return and the space separators, which transformers turns into spaces,
     * and the line and paragraph separators, at which Python's {@code str.split()} breaks words too.
     */
    private static boolean isWordBreak(int c) {
        return switch (Character.getType(c)) {
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
            default -> c == '\t' || c == '\n' || c == '\r';
        };
    }

    /** Every character of Unicode's "other" categories (Cc, Cf, Cn, Co, Cs), and U+FFFD. */
    private static boolean isRemoved(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE,
                    Character.SURROGATE -> true;
            default -> c == 0xFFFD;
        };
    }

    /** The CJK Unified Ideographs blocks and their extensions and compatibility blocks, as BERT's list has them. */
    private static boolean isCjkIdeograph(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0x3400 && c <= 0x4DBF)
                || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F)
                || (c >= 0x2B740 && c <= 0x2B81F)
                || (c >= 0x2B820 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF)
                || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
