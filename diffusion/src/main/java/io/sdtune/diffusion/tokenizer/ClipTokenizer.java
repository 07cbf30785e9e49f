package io.sdtune.diffusion.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP text tokenizer of Stable Diffusion, token for token what transformers' {@code CLIPTokenizer} gives as
 * the tokenizers library runs it (transformers 5's only CLIP tokenizer, {@code CLIPTokenizerFast} in 4):
 * <ol>
 *   <li>special tokens ({@code <|endoftext|>}) are taken whole from the raw prompt;</li>
 *   <li>the text between them is composed, its whitespace collapsed and lower-cased ({@link TextNormalizer});</li>
 *   <li>added tokens (a Textual Inversion placeholder such as {@code <cat-toy>}) are taken whole from that text,
 *       so {@code <CAT-TOY>} is the placeholder too;</li>
 *   <li>the rest is split into words by CLIP's pattern: English contractions, runs of letters (a run of
 *       Chinese or Japanese characters is one word), single digits, runs of other characters that are not
 *       spaces;</li>
 *   <li>each word, as UTF-8 bytes ({@link ByteAlphabet}), is byte-pair encoded with the ranks of
 *       {@code merges.txt}, its last token ending in {@code </w>}.</li>
 * </ol>
 * Safe for concurrent use: each call works on one snapshot of the added tokens.
 *
 * <pre>{@code
 * ClipTokenizer tokenizer = ClipTokenizer.bundled();
 * int placeholder = tokenizer.addToken("<cat-toy>");                     // 49408
 * long[] ids = tokenizer.encode("a <cat-toy> backpack").inputIds();      // 77 ids
 * }</pre>
 */
public final class ClipTokenizer {
    /** CLIP's pre-tokenizer pattern, on normalized (lower-cased) text. */
    private static final Pattern WORDS = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private final Vocab vocab;
    private final BytePairEncoder bpe;
    private final int maxLength;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int unkId;
    private volatile AddedTokens addedTokens;

    private ClipTokenizer(Vocab vocab, BytePairEncoder bpe, TokenizerConfig config, Map<String, Integer> added) {
        this.vocab = vocab;
        this.bpe = bpe;
        this.maxLength = config.modelMaxLength();
        this.bosId = vocab.id(config.bosToken()).orElseThrow();
        this.eosId = vocab.id(config.eosToken()).orElseThrow();
        this.padId = vocab.id(config.padToken()).orElseThrow();
        this.unkId = vocab.id(config.unkToken()).orElseThrow();
        this.addedTokens = new AddedTokens(config.specialTokens().values(), added);
    }

    /**
     * Reads a tokenizer folder as transformers saves it (a diffusers model's {@code tokenizer/}):
     * {@code vocab.json} and {@code merges.txt}, and if present {@code added_tokens.json} and
     * {@code tokenizer_config.json}.
     *
     * @throws IllegalArgumentException if a file is missing or malformed, naming the file (and the line or key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static ClipTokenizer load(Path tokenizerDir) {
        return read(TokenizerFiles.inDirectory(tokenizerDir));
    }

    /**
     * SD 1.5's tokenizer, from the tables bundled with this library; a new instance each call, since
     * tokens may be added to it.
     */
    public static ClipTokenizer bundled() {
        return read(TokenizerFiles.onClassPath(ClipTokenizer.class, "clip"));
    }

    /** SD 2.x's tokenizer: SD 1.5's tables, padding with {@code "!"} (id 0, as OpenCLIP pads). */
    public static ClipTokenizer bundledSd2() {
        TokenizerFiles files = TokenizerFiles.onClassPath(ClipTokenizer.class, "clip");
        Vocab vocab = files.vocab();
        TokenizerConfig c = files.config(vocab);
        return new ClipTokenizer(vocab, new BytePairEncoder(files.merges()),
                new TokenizerConfig(c.modelMaxLength(), c.bosToken(), c.eosToken(), "!", c.unkToken()),
                files.addedTokens(vocab));
    }

    private static ClipTokenizer read(TokenizerFiles files) {
        Vocab vocab = files.vocab();
        return new ClipTokenizer(vocab, new BytePairEncoder(files.merges()), files.config(vocab),
                files.addedTokens(vocab));
    }

    /** The prompt's tokens, without BOS and EOS: BPE tokens ({@code "dog</w>"}) and added tokens. */
    public List<String> tokenize(String text) {
        return tokenize(text, addedTokens);
    }

    /**
     * The prompt as {@code model_max_length} ids: BOS, its tokens' ids, EOS, then padding. A prompt
     * with more tokens than fit is cut before EOS, and the encoding tells what was cut.
     */
    public Encoding encode(String text) {
        AddedTokens added = addedTokens;
        List<String> tokens = tokenize(text, added);
        int kept = Math.min(tokens.size(), maxLength - 2);
        long[] ids = new long[maxLength];
        Arrays.fill(ids, padId);
        ids[0] = bosId;
        for (int i = 0; i < kept; i++) {
            ids[1 + i] = id(tokens.get(i), added);
        }
        ids[1 + kept] = eosId;
        List<String> dropped = tokens.subList(kept, tokens.size());
        return new Encoding(ids, kept + 2, dropped, textOf(dropped, added));
    }

    /**
     * The text of {@code ids}, as transformers decodes it: bytes back to characters, {@code </w>} to a
     * space, added tokens as they are, spaced from their neighbours. Lossy: {@code "a, b"} comes back
     * {@code "a , b"}, and special tokens are kept.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(long[] ids) {
        AddedTokens added = addedTokens;
        List<String> tokens = new ArrayList<>(ids.length);
        for (long id : ids) {
            tokens.add(token(id, added));
        }
        return textOf(tokens, added);
    }

    /**
     * Adds {@code token} at the next id, {@link #vocabSize()} before the call, to be matched whole in
     * prompts, as Textual Inversion's placeholder is.
     *
     * @return the new token's id
     * @throws IllegalArgumentException if the tokenizer already has the token (in the vocabulary or
     *     added): Textual Inversion needs a token of its own
     */
    public synchronized int addToken(String token) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("cannot add an empty token");
        }
        OptionalInt existing = tokenId(token);
        if (existing.isPresent()) {
            throw new IllegalArgumentException("cannot add token \"" + token + "\": the tokenizer already has it, id "
                    + existing.getAsInt() + "; Textual Inversion needs a new token, pick another placeholder");
        }
        Optional<String> alike = addedTokens.byNormalizedForm(TextNormalizer.normalize(token));
        if (alike.isPresent()) {
            throw new IllegalArgumentException("cannot add token \"" + token + "\": prompts could not tell it from \""
                    + alike.get() + "\" (added tokens match whatever their case); pick another placeholder");
        }
        int id = vocabSize();
        addedTokens = addedTokens.with(token, id);
        return id;
    }

    /** Whether {@code token} is a token of the vocabulary or an added one ({@code "dog</w>"}, {@code "<cat-toy>"}). */
    public boolean contains(String token) {
        return tokenId(token).isPresent();
    }

    /** The id of a token of the vocabulary or an added one; empty for any other string. */
    public OptionalInt tokenId(String token) {
        OptionalInt added = addedTokens.id(token);
        return added.isPresent() ? added : vocab.id(token);
    }

    /** The number of ids: the vocabulary's and the added tokens'. */
    public int vocabSize() {
        return vocab.size() + addedTokens.size();
    }

    /** The tokens added after the vocabulary, token to id in id order; unmodifiable. */
    public Map<String, Integer> addedTokens() {
        return addedTokens.added();
    }

    /** The length of every encoding ({@code model_max_length}, 77 for SD 1.5). */
    public int maxLength() {
        return maxLength;
    }

    private List<String> tokenize(String text, AddedTokens added) {
        List<String> tokens = new ArrayList<>();
        Matcher special = added.specialMatcher(text);
        int start = 0;
        while (special.find()) {
            tokenizeNormalized(TextNormalizer.normalize(text.substring(start, special.start())), added, tokens);
            tokens.add(special.group());
            start = special.end();
        }
        tokenizeNormalized(TextNormalizer.normalize(text.substring(start)), added, tokens);
        return tokens;
    }

    private void tokenizeNormalized(String text, AddedTokens added, List<String> tokens) {
        Matcher whole = added.addedMatcher(text);
        int start = 0;
        while (whole.find()) {
            tokenizeWords(text.substring(start, whole.start()), tokens);
            tokens.add(added.byNormalizedForm(whole.group()).orElseThrow());
            start = whole.end();
        }
        tokenizeWords(text.substring(start), tokens);
    }

    private void tokenizeWords(String text, List<String> tokens) {
        Matcher words = WORDS.matcher(text);
        while (words.find()) {
            tokens.addAll(bpe.encode(ByteAlphabet.encode(words.group())));
        }
    }

    private int id(String token, AddedTokens added) {
        OptionalInt addedId = added.id(token);
        return addedId.isPresent() ? addedId.getAsInt() : vocab.id(token).orElse(unkId);
    }

    private String token(long id, AddedTokens added) {
        if (id < 0 || id >= vocab.size() + added.size()) {
            throw new IllegalArgumentException("id " + id + " is not in the vocabulary: ids go from 0 to "
                    + (vocab.size() + added.size() - 1));
        }
        return id < vocab.size() ? vocab.token((int) id) : added.token((int) id);
    }

    /** Byte-level decoding of each run of vocabulary tokens; added tokens stand between runs as they are. */
    private static String textOf(List<String> tokens, AddedTokens added) {
        List<String> parts = new ArrayList<>();
        StringBuilder symbols = new StringBuilder();
        for (String token : tokens) {
            if (added.id(token).isPresent()) {
                addDecoded(symbols, parts);
                parts.add(token);
            } else {
                symbols.append(token);
            }
        }
        addDecoded(symbols, parts);
        return String.join(" ", parts);
    }

    private static void addDecoded(StringBuilder symbols, List<String> parts) {
        String decoded = ByteAlphabet.decode(symbols.toString()).replace(BytePairEncoder.END_OF_WORD, " ").strip();
        if (!decoded.isEmpty()) {
            parts.add(decoded);
        }
        symbols.setLength(0);
    }
}
