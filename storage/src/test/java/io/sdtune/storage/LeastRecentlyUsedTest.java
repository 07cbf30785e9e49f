package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which cache entries go when the byte bound is passed. */
class LeastRecentlyUsedTest {
    @Test
    void entriesThatNoLongerFitGoLeastRecentlyUsedFirst() {
        LeastRecentlyUsed<String> lru = new LeastRecentlyUsed<>(100);
        assertThat(lru.add("a", 40)).isEmpty();
        assertThat(lru.add("b", 40)).isEmpty();
        assertThat(lru.touch("a")).isTrue();

        assertThat(lru.add("c", 40)).containsExactly("b");
        assertThat(lru.bytes()).isEqualTo(80);
        assertThat(lru.add("d", 90)).containsExactly("a", "c");
        assertThat(lru.size()).isEqualTo(1);
    }

    @Test
    void anEntryLargerThanTheBoundStaysAlone() {
        LeastRecentlyUsed<String> lru = new LeastRecentlyUsed<>(100);
        lru.add("small", 10);

        assertThat(lru.add("huge", 500)).containsExactly("small");
        assertThat(lru.bytes()).isEqualTo(500);
        assertThat(lru.add("next", 1)).containsExactly("huge");
    }

    @Test
    void addingAnEntryAgainResizesIt() {
        LeastRecentlyUsed<String> lru = new LeastRecentlyUsed<>(100);
        lru.add("a", 30);
        lru.add("b", 30);

        assertThat(lru.add("a", 80)).containsExactly("b");
        assertThat(lru.bytes()).isEqualTo(80);
    }

    @Test
    void removedAndUnknownEntries() {
        LeastRecentlyUsed<String> lru = new LeastRecentlyUsed<>(100);
        lru.add("a", 30);
        lru.remove("a");
        lru.remove("never");

        assertThat(lru.touch("a")).isFalse();
        assertThat(lru.bytes()).isZero();
    }
}
