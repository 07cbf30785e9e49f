package io.sdtune.diffusion.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding of one word: the word starts as its symbols, the last one marked as the end of
 * the word, and the adjacent pair that comes first in {@code merges.txt} is joined, everywhere in the
 * word, until no adjacent pair is a merge. Safe for concurrent use; words already encoded are remembered.
 */
final class BytePairEncoder {
    /** Appended to a word's last symbol, so a suffix and the same letters inside a word are different tokens. */
    static final String END_OF_WORD = "</w>";

    /**
     * A long-running generator meets an unbounded stream of distinct words; forgetting them all at this
     * size keeps memory flat at the cost of merging common words once more.
     */
    private static final int CACHE_LIMIT = 100_000;

    private final Map<Merge, Integer> ranks;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    /** {@code merges} in priority order, the first joined first. */
    BytePairEncoder(List<Merge> merges) {
        Map<Merge, Integer> byMerge = new HashMap<>(2 * merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            // A repeated merge takes its later rank, as transformers' dict of merges does.
            byMerge.put(merges.get(rank), rank);
        }
        this.ranks = byMerge;
    }

    /** The tokens of {@code word} (byte symbols, not empty); the last ends with {@link #END_OF_WORD}. */
    List<String> encode(String word) {
        List<String> known = cache.get(word);
        if (known != null) {
            return known;
        }
        List<String> symbols = startingSymbols(word);
        for (Merge next = firstMerge(symbols); next != null; next = firstMerge(symbols)) {
            symbols = join(next, symbols);
        }
        List<String> tokens = List.copyOf(symbols);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, tokens);
        return tokens;
    }

    private static List<String> startingSymbols(String word) {
        List<String> symbols = new ArrayList<>(word.length());
        word.codePoints().forEach(c -> symbols.add(Character.toString(c)));
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + END_OF_WORD);
        return symbols;
    }

    /** The adjacent pair of {@code symbols} with the lowest rank, or null if none is a merge. */
    private Merge firstMerge(List<String> symbols) {
        Merge first = null;
        int firstRank = Integer.MAX_VALUE;
        for (int i = 0; i + 1 < symbols.size(); i++) {
            Merge pair = new Merge(symbols.get(i), symbols.get(i + 1));
            Integer rank = ranks.get(pair);
            if (rank != null && rank < firstRank) {
                first = pair;
                firstRank = rank;
            }
        }
        return first;
    }

    /** Joins every occurrence of {@code merge}, left to right, each symbol joined at most once. */
    private static List<String> join(Merge merge, List<String> symbols) {
        List<String> joined = new ArrayList<>(symbols.size());
        for (int i = 0; i < symbols.size(); i++) {
            boolean pairStartsHere = i + 1 < symbols.size()
                    && symbols.get(i).equals(merge.left()) && symbols.get(i + 1).equals(merge.right());
            if (pairStartsHere) {
                joined.add(merge.joined());
                i++;
            } else {
                joined.add(symbols.get(i));
            }
        }
        return joined;
    }
}
