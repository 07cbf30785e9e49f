package io.sdtune.diffusion.tokenizer;

import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The tokens taken whole from the raw prompt, before any cleaning, as transformers' slow tokenizers
 * take their added tokens: the special tokens (whose ids are in {@code vocab.json}) and the tokens
 * added after the vocabulary, such as a Textual Inversion placeholder. Matching is case-sensitive;
 * where matches overlap, the one that starts first wins, then the longest. Immutable: adding a token
 * makes a new instance.
 */
final class AddedTokens {
    private final List<String> special;
    private final Map<String, Integer> added;
    private final Map<Integer, String> addedById;
    private final Pattern anyToken;

    /** {@code added}: the tokens after the vocabulary, in id order. */
    AddedTokens(Collection<String> special, Map<String, Integer> added) {
        this.special = List.copyOf(special);
        this.added = Collections.unmodifiableMap(new LinkedHashMap<>(added));
        this.addedById = added.entrySet().stream().collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey));
        // Java tries alternatives in order, so longest first gives the longest of those starting at a place.
        this.anyToken = Pattern.compile(Stream.concat(special.stream(), added.keySet().stream())
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

    /** Where the special and added tokens occur in {@code text}. */
    Matcher matcher(String text) {
        return anyToken.matcher(text);
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
