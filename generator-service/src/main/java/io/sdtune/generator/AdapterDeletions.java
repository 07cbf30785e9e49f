package io.sdtune.generator;

import io.sdtune.contracts.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The tombstones on {@value Topics#ADAPTERS}: a deleted adapter is evicted from this generator's memory and cache
 * at once. Every instance reads them (a consumer group of its own) from when it starts: what it holds was loaded
 * since. Announcements are not needed here: the adapter library reads each adapter's manifest from the store.
 */
@ApplicationScoped
public class AdapterDeletions {
    private static final Logger LOG = Logger.getLogger(AdapterDeletions.class);

    @Inject
    AdapterLibrary adapters;

    @Incoming("adapters")
    void consume(ConsumerRecord<String, String> record) {
        if (record.value() == null && record.key() != null) {
            LOG.infof("adapter %s was deleted: evicted", record.key());
            adapters.evict(record.key());
        }
    }
}
