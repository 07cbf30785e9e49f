package io.sdtune.diffusion.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The byte alphabet of GPT-2 and CLIP: each of the 256 byte values is written as one printable
 * character, so that BPE over characters is BPE over UTF-8 bytes, and no byte is whitespace or a
 * control character that would break the merges file's format. Bytes printable in Latin-1
 * ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the other 68 take the characters
 * from U+0100 on, in byte order.
 */
final class ByteAlphabet {
    private static final int SIZE = 256;
    private static final char[] SYMBOL_OF_BYTE = new char[SIZE];
    /** Indexed by symbol; -1 for a character that stands for no byte. */
    private static final int[] BYTE_OF_SYMBOL = new int[0x100 + 68];

    static {
        Arrays.fill(BYTE_OF_SYMBOL, -1);
        char next = 0x100;
        for (int b = 0; b < SIZE; b++) {
            char symbol = standsForItself(b) ? (char) b : next++;
            SYMBOL_OF_BYTE[b] = symbol;
            BYTE_OF_SYMBOL[symbol] = b;
        }
    }

    private ByteAlphabet() {
    }

    /** The UTF-8 bytes of {@code text}, one symbol per byte. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] symbols = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = SYMBOL_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(symbols);
    }

    /**
     * The text whose UTF-8 bytes {@code symbols} spell. Bytes that are not valid UTF-8 (a token cut
     * inside a character) become U+FFFD, as with transformers' {@code errors="replace"}.
     */
    static String decode(String symbols) {
        byte[] bytes = new byte[symbols.length()];
        for (int i = 0; i < bytes.length; i++) {
            char symbol = symbols.charAt(i);
            int b = symbol < BYTE_OF_SYMBOL.length ? BYTE_OF_SYMBOL[symbol] : -1;
            if (b < 0) {
                throw new IllegalArgumentException(String.format(
                        "'%c' (U+%04X) in \"%s\" stands for no byte", symbol, (int) symbol, symbols));
            }
            bytes[i] = (byte) b;
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean standsForItself(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }
}
