package io.sdtune.gateway.adapter;

import io.sdtune.contracts.Topics;
import io.sdtune.contracts.validation.Syntax;
import io.sdtune.gateway.messaging.Publisher;
import io.sdtune.gateway.quota.Quotas;
import io.sdtune.storage.AdapterShelf;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;

/**
 * Deletes a tenant's adapter: its objects (the manifest first, so it is gone for every generator at once, which reads
 * it at each use), then a tombstone on the compacted {@value Topics#ADAPTERS} topic, keyed by its id, which takes it
 * out of every gateway's list and every generator's memory, and out of the topic at its next compaction.
 *
 * <p>An adapter whose objects are gone but which is still listed - a deletion that failed before its tombstone - is
 * deleted again, so that asking once more finishes the job.
 */
@ApplicationScoped
public class AdapterDeletion {
    @Inject
    AdapterShelf shelf;
    @Inject
    AdapterCatalog catalog;
    @Inject
    Publisher publisher;
    @Inject
    Quotas quotas;

    /** @throws io.sdtune.gateway.api.ProblemException 404 when the tenant has no such adapter */
    public void delete(String tenant, String adapterId) throws IOException {
        boolean known = Syntax.ID.matches(adapterId)
                && (shelf.manifest(tenant, adapterId).isPresent() || catalog.find(tenant, adapterId).isPresent());
        if (!known) {
            throw AdapterFiles.unknown(adapterId);
        }
        shelf.delete(tenant, adapterId);
        quotas.stored(tenant);
        publisher.tombstone(Topics.ADAPTERS, adapterId);
    }
}
