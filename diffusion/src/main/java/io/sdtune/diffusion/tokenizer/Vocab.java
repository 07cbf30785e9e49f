package io.sdtune.diffusion.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** The base vocabulary of {@code vocab.json}: one token for each id from 0 to {@code size() - 1}. */
final class Vocab {
    private final List<String> tokens;
    private final Map<String, Integer> ids;

    /** {@code tokens} indexed by id. */
    Vocab(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>(2 * tokens.size());
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), id);
        }
    }

    int size() {
        return tokens.size();
    }

    OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    String token(int id) {
        return tokens.get(id);
    }
}
