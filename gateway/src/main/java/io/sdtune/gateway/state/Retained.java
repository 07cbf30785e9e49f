package io.sdtune.gateway.state;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Values by id, at most {@code maxCount} of them and none updated longer than {@code maxAge} ago. Past the count
 * the finished value updated longest ago is dropped first, an unfinished one only when none is finished: a job
 * still running or a generation still pending is what a client is most likely waiting on. A dropped id is as
 * unknown as one never seen.
 *
 * <p>Not a Caffeine cache: its size bound evicts by frequency (W-TinyLFU) and may refuse a new entry rather than
 * drop an old one, where this order has to be by age and state.
 */
public final class Retained<V> {
    private record Slot<V>(String id, V value, Instant updated) {
    }

    private final Comparator<Slot<V>> oldestFirst = Comparator.<Slot<V>, Instant>comparing(Slot::updated)
            .thenComparing(Slot::id);
    private final Map<String, Slot<V>> slots = new HashMap<>();
    private final NavigableSet<Slot<V>> finished = new TreeSet<>(oldestFirst);
    private final NavigableSet<Slot<V>> unfinished = new TreeSet<>(oldestFirst);
    private final int maxCount;
    private final Duration maxAge;
    private final Function<V, Instant> updated;
    private final Predicate<V> isFinished;
    private final Consumer<V> dropped;

    /** {@code dropped} is told of each value dropped, under this store's lock. */
    public Retained(int maxCount, Duration maxAge, Function<V, Instant> updated, Predicate<V> isFinished,
            Consumer<V> dropped) {
        this.maxCount = maxCount;
        this.maxAge = maxAge;
        this.updated = updated;
        this.isFinished = isFinished;
        this.dropped = dropped;
    }

    public Retained(int maxCount, Duration maxAge, Function<V, Instant> updated, Predicate<V> isFinished) {
        this(maxCount, maxAge, updated, isFinished, value -> {
        });
    }

    public synchronized Optional<V> get(String id) {
        dropExpired();
        return Optional.ofNullable(slots.get(id)).map(Slot::value);
    }

    public synchronized List<V> values() {
        dropExpired();
        return slots.values().stream().map(Slot::value).toList();
    }

    /**
     * Keeps what {@code change} makes of the value under {@code id} (null when there is none), in its place by
     * when it was updated and whether it is finished, then drops what is over the bounds - possibly this value.
     */
    public synchronized V update(String id, UnaryOperator<V> change) {
        Slot<V> old = slots.remove(id);
        if (old != null) {
            finished.remove(old);
            unfinished.remove(old);
        }
        V value = change.apply(old == null ? null : old.value());
        Slot<V> slot = new Slot<>(id, value, updated.apply(value));
        slots.put(id, slot);
        (isFinished.test(value) ? finished : unfinished).add(slot);
        dropExpired();
        while (slots.size() > maxCount) {
            drop((finished.isEmpty() ? unfinished : finished).first());
        }
        return value;
    }

    /** Forgets the value under {@code id}, as when what it stands for was deleted. */
    public synchronized void remove(String id) {
        Slot<V> slot = slots.get(id);
        if (slot != null) {
            drop(slot);
        }
    }

    private void dropExpired() {
        Instant cutoff = Instant.now().minus(maxAge);
        for (NavigableSet<Slot<V>> slotsByAge : List.of(finished, unfinished)) {
            while (!slotsByAge.isEmpty() && slotsByAge.first().updated().isBefore(cutoff)) {
                drop(slotsByAge.first());
            }
        }
    }

    private void drop(Slot<V> slot) {
        slots.remove(slot.id());
        finished.remove(slot);
        unfinished.remove(slot);
        dropped.accept(slot.value());
    }
}
