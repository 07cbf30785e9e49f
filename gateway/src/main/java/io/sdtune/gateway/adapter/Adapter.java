package io.sdtune.gateway.adapter;

import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import java.time.Instant;
import java.util.List;

/** An adapter as the API lists it; {@code created} is when it was (last) announced. */
public record Adapter(String id, AdapterKind kind, String baseModelId, String jobId, List<String> triggerTokens,
        long sizeBytes, Instant created) {

    static Adapter of(AdapterAnnouncement announced, Instant at) {
        long size = announced.files().stream().mapToLong(f -> f.sizeBytes()).sum();
        return new Adapter(announced.adapterId(), announced.kind(), announced.baseModelId(), announced.jobId(),
                announced.triggerTokens(), size, at);
    }
}
