package io.sdtune.gateway.adapter;

import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.gateway.messaging.EventReader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** The adapters that exist: the compacted {@value Topics#ADAPTERS} topic read from its beginning. */
@ApplicationScoped
public class AdapterCatalog {
    private final Map<String, Adapter> adapters = new ConcurrentHashMap<>();

    @Inject
    EventReader reader;

    /** The adapters of {@code tenant}, newest first. */
    public List<Adapter> all(String tenant) {
        return adapters.values().stream().filter(a -> a.tenant().equals(tenant)).sorted(Comparator.comparing(Adapter::created).reversed()).toList();
    }

    /** The adapter of {@code tenant} with that id, as listed. */
    public Optional<Adapter> find(String tenant, String adapterId) {
        return Optional.ofNullable(adapters.get(adapterId)).filter(a -> a.tenant().equals(tenant));
    }

    @Incoming("adapters")
    void onAnnouncement(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            // a tombstone: the adapter was deleted
            adapters.remove(record.key());
            return;
        }
        reader.decode(record, AdapterAnnouncement.class).ifPresent(announced ->
                adapters.put(announced.adapterId(), Adapter.of(announced, Instant.ofEpochMilli(record.timestamp()))));
    }
}
