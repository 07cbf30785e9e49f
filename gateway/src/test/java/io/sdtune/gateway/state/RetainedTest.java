package io.sdtune.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetainedTest {
    private record Entry(String id, Instant updated, boolean finished) {
    }

    private final List<Entry> dropped = new ArrayList<>();
    private final Retained<Entry> retained = new Retained<>(3, Duration.ofDays(7), Entry::updated, Entry::finished,
            dropped::add);

    private static Instant minutesAgo(int minutes) {
        return Instant.now().minus(Duration.ofMinutes(minutes));
    }

    private void put(String id, Instant updated, boolean finished) {
        retained.update(id, old -> new Entry(id, updated, finished));
    }

    @Test
    void pastTheCountTheFinishedUpdatedLongestAgoGoesFirstThenTheOldestUnfinished() {
        put("running", minutesAgo(50), false);
        put("done-old", minutesAgo(40), true);
        put("done-new", minutesAgo(10), true);
        put("done-newer", minutesAgo(5), true);

        assertThat(retained.get("done-old")).isEmpty();
        assertThat(retained.get("running")).isPresent();
        assertThat(dropped).extracting(Entry::id).containsExactly("done-old");

        put("done-new", minutesAgo(1), false);
        put("done-newer", minutesAgo(2), false);
        put("pending", minutesAgo(3), false);

        assertThat(retained.values()).extracting(Entry::id)
                .containsExactlyInAnyOrder("done-new", "done-newer", "pending");
        assertThat(dropped).extracting(Entry::id).containsExactly("done-old", "running");
    }

    @Test
    void anEntryUpdatedAgainTakesItsNewPlace() {
        put("a", minutesAgo(30), true);
        put("b", minutesAgo(20), true);
        put("c", minutesAgo(10), true);
        put("a", minutesAgo(1), true);
        put("d", minutesAgo(2), true);

        assertThat(retained.values()).extracting(Entry::id).containsExactlyInAnyOrder("a", "c", "d");
    }

    @Test
    void anEntryNotUpdatedForTheMaximumAgeIsDroppedFinishedOrNot() {
        put("stale-running", Instant.now().minus(Duration.ofDays(8)), false);
        put("stale-done", Instant.now().minus(Duration.ofDays(7)).minusSeconds(1), true);
        put("fresh", minutesAgo(1), true);

        assertThat(retained.values()).extracting(Entry::id).containsExactly("fresh");
        assertThat(retained.get("stale-running")).isEmpty();
        assertThat(dropped).extracting(Entry::id).containsExactlyInAnyOrder("stale-running", "stale-done");
    }
}
