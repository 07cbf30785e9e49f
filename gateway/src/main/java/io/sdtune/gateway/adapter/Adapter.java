package io.sdtune.gateway.adapter;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import java.time.Instant;
import java.util.List;

/**
 * An adapter as the API lists it; {@code name} is what its owner called an imported one, {@code job_id} the job
 * that trained one (each absent otherwise), {@code created} is when it was (last) announced. {@code tenant} owns it
 * and is not shown: only that tenant is answered.
 */
public record Adapter(String id, String name, AdapterKind kind, String baseModelId, String jobId,
        List<String> triggerTokens, long sizeBytes, Instant created, @JsonIgnore String tenant) {

    static Adapter of(AdapterAnnouncement announced, Instant at) {
        long size = announced.files().stream().mapToLong(f -> f.sizeBytes()).sum();
        return new Adapter(announced.adapterId(), announced.name(), announced.kind(), announced.baseModelId(), announced.jobId(),
                announced.triggerTokens(), size, at, announced.tenant());
    }
}
