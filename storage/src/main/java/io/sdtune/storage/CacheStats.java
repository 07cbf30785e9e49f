package io.sdtune.storage;

/** What a cache has done since it opened, and what it holds now. */
public record CacheStats(long hits, long downloads, long evictions, int entries, long bytes) {}
