package io.sdtune.diffusion.tokenizer;

import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The tokens taken whole from a prompt, as the tokenizers library takes them: the special tokens (whose ids are in
 * {@code vocab.json}) are found in the raw text, exactly as written; the tokens added after the vocabulary, such as
 * a Textual Inversion placeholder, are found in the normalized text by their normalized form, so
 * {@code <CAT-TOY>} is {@code <cat-toy>} (transformers adds them with {@code normalized=True}). Where matches
 * overlap, the one that starts first wins, then the longest. Immutable: adding a token makes a new instance.
 */
final class AddedTokens {
    private final List<String> special;
    private final Map<String, Integer> added;
    private final Map<Integer, String> addedById;
    /** Normalized form to added token. */
    private final Map<String, String> byNormalized;
    private final Pattern specialTokens;
    private final Pattern addedTokens;

    /** {@code added}: the tokens after the vocabulary, in id order. */
    AddedTokens(Collection<String> special, Map<String, Integer> added) {
        this.special = List.copyOf(special);
        this.added = Collections.unmodifiableMap(new LinkedHashMap<>(added));
        this.addedById = added.entrySet().stream().collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey));
        this.byNormalized = new LinkedHashMap<>();
        added.keySet().forEach(t -> byNormalized.putIfAbsent(TextNormalizer.normalize(t), t));
        this.specialTokens = anyOf(this.special);
        this.addedTokens = anyOf(byNormalized.keySet());
    }

    /**
     * Java tries alternatives in order, so longest first gives the longest of those starting at a place; no
     * tokens, a pattern that matches nothing.
     */
    private static Pattern anyOf(Collection<String> tokens) {
        if (tokens.isEmpty()) {
            return Pattern.compile("(?!)");
        }
        return Pattern.compile(tokens.stream()
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|")));
    }

    AddedTokens with(String token, int id) {
        Map<String, Integer> more = new LinkedHashMap<>(added);
        more.put(token, id);
        return new AddedTokens(special, more);
    }

    /** Where the special tokens occur in the raw {@code text}. */
    Matcher specialMatcher(String text) {
        return specialTokens.matcher(text);
    }

    /** Where the added tokens occur in {@code normalized} text: {@link #byNormalizedForm} names each match's token. */
    Matcher addedMatcher(String normalized) {
        return addedTokens.matcher(normalized);
    }

    /** The added token whose normalized form is {@code normalized}. */
    Optional<String> byNormalizedForm(String normalized) {
        return Optional.ofNullable(byNormalized.get(normalized));
    }

    /** The id of a token added after the vocabulary; empty for any other token, special ones included. */
    OptionalInt id(String token) {
        Integer id = added.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The added token of {@code id}, or null if none has it. */
    String token(int id) {
        return addedById.get(id);
    }

    /** Token to id, in id order; unmodifiable. */
    Map<String, Integer> added() {
        return added;
    }

    int size() {
        return added.size();
    }
}
