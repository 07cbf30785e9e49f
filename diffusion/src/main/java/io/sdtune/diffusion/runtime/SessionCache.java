package io.sdtune.diffusion.runtime;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Sessions (or what holds one) by the shape they were built for, at most {@code maxSessions} of them: the least
 * recently used is closed before a new one is built, so its memory is free for it. Strictly least recently used
 * (not Caffeine's frequency-based admission, which may drop the entry just added - here a session about to run).
 * Not thread-safe: a pipeline is used from one thread.
 */
public final class SessionCache<S extends AutoCloseable> implements AutoCloseable {
    private final int maxSessions;
    private final Map<String, S> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private long builds;
    private long evictions;

    public SessionCache(int maxSessions) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("at least one session must be kept, got " + maxSessions);
        }
        this.maxSessions = maxSessions;
    }

    /** The session kept under {@code key}, else one {@code build} makes, after closing the least recently used beyond the bound. */
    public S get(String key, Supplier<S> build) {
        S session = sessions.get(key);
        if (session == null) {
            while (sessions.size() >= maxSessions) {
                closeLeastRecentlyUsed();
                evictions++;
            }
            session = build.get();
            builds++;
            sessions.put(key, session);
        }
        return session;
    }

    public int size() {
        return sessions.size();
    }

    /** Sessions built since this cache was made. */
    public long builds() {
        return builds;
    }

    /** Sessions closed to keep within the bound since this cache was made. */
    public long evictions() {
        return evictions;
    }

    /** Closes every session (they are built again when next needed), e.g. to give their memory back. */
    @Override
    public void close() {
        while (!sessions.isEmpty()) {
            closeLeastRecentlyUsed();
        }
    }

    private void closeLeastRecentlyUsed() {
        Iterator<S> lru = sessions.values().iterator();
        S eldest = lru.next();
        lru.remove();
        try {
            eldest.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing a session: " + e.getMessage(), e);
        }
    }
}
