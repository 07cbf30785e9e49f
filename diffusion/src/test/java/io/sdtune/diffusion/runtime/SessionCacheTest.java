package io.sdtune.diffusion.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bound on kept sessions: least recently used closed first, before the new one is built. */
class SessionCacheTest {
    private final List<String> events = new ArrayList<>();

    /** What a cached value does that matters here: it is built and closed. */
    private final class Held implements AutoCloseable {
        private final String name;

        Held(String name) {
            this.name = name;
            events.add("build " + name);
        }

        @Override
        public void close() {
            events.add("close " + name);
        }
    }

    @Test
    void theLeastRecentlyUsedIsClosedBeforeTheNewOneIsBuilt() {
        try (SessionCache<Held> cache = new SessionCache<>(2)) {
            Held a = cache.get("a", () -> new Held("a"));
            cache.get("b", () -> new Held("b"));
            assertThat(cache.get("a", () -> new Held("a again"))).isSameAs(a);
            cache.get("c", () -> new Held("c"));

            assertThat(events).containsExactly("build a", "build b", "close b", "build c");
            assertThat(cache.size()).isEqualTo(2);
            assertThat(cache.builds()).isEqualTo(3);
            assertThat(cache.evictions()).isEqualTo(1);
        }
        assertThat(events).endsWith("close a", "close c");
    }

    @Test
    void atLeastOneSessionIsKept() {
        assertThatThrownBy(() -> new SessionCache<Held>(0)).hasMessage("at least one session must be kept, got 0");
    }
}
