package io.sdtune.storage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bookkeeping of a cache bounded by bytes: entries in order of use, and which ones to drop, least recently
 * used first, once the bound is passed. Not thread-safe: its owner holds a lock around it.
 */
public final class LeastRecentlyUsed<K> {
    private final long maxBytes;
    private final LinkedHashMap<K, Long> sizes = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    public LeastRecentlyUsed(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("the byte bound must be 0 or more, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Marks {@code key} as just used; false when it is not here. */
    public boolean touch(K key) {
        return sizes.get(key) != null;
    }

    /**
     * Adds (or resizes) {@code key} as the most recently used entry and returns the entries that no longer fit,
     * least recently used first, already removed. {@code key} itself is never among them: an entry larger than
     * the bound stays, alone.
     */
    public List<K> add(K key, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size of " + key + " must be 0 or more, was " + size);
        }
        Long previous = sizes.put(key, size);
        bytes += size - (previous == null ? 0 : previous);
        List<K> evicted = new ArrayList<>();
        Iterator<Map.Entry<K, Long>> eldestFirst = sizes.entrySet().iterator();
        while (bytes > maxBytes) {
            Map.Entry<K, Long> eldest = eldestFirst.next();
            if (eldest.getKey().equals(key)) {
                break;
            }
            bytes -= eldest.getValue();
            evicted.add(eldest.getKey());
            eldestFirst.remove();
        }
        return evicted;
    }

    public void remove(K key) {
        Long size = sizes.remove(key);
        if (size != null) {
            bytes -= size;
        }
    }

    public long bytes() {
        return bytes;
    }

    public int size() {
        return sizes.size();
    }
}
