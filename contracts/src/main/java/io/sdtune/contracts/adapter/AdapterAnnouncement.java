package io.sdtune.contracts.adapter;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;
import java.util.List;

/**
 * An adapter that exists: its manifest is written, so its {@code files} are complete. It applies to
 * {@code base_model_id} only; a prompt calls it up with its {@code trigger_tokens} (an embedding's
 * placeholder must be in the prompt; a LoRA's or DreamBooth's instance token helps). {@code job_id} is the
 * training job that made it, absent for an imported adapter; a replayed request for that job re-announces
 * this adapter instead of training again. Only {@code tenant} may list, draw with or delete it. {@code name} is what
 * its owner called it, optional.
 */
@SchemaVersion(2) // 2 added tenant
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AdapterAnnouncement(
        String adapterId,
        String tenant,
        String name,
        AdapterKind kind,
        String baseModelId,
        String jobId,
        List<StoredObject> files,
        List<String> triggerTokens) implements Message {

    @Override
    public String key() {
        return adapterId;
    }

    @Override
    public void check(Problems p) {
        p.required("adapter_id", adapterId, Syntax.ID);
        p.required("tenant", tenant, Syntax.ID);
        p.text("name", name, Limits.MAX_NAME_CHARS, false);
        p.required("kind", kind);
        p.required("base_model_id", baseModelId, Syntax.ID);
        p.matches("job_id", jobId, Syntax.ID);
        p.required("files", files);
        p.elements("files", files, Limits.FILES, StoredObject::key);
        p.required("trigger_tokens", triggerTokens);
        p.elements("trigger_tokens", triggerTokens, Limits.TRIGGER_TOKENS, Syntax.TRIGGER_TOKEN);
        if (kind == AdapterKind.EMBEDDING && triggerTokens != null && triggerTokens.isEmpty()) {
            p.add("trigger_tokens", "must name the placeholder token of an EMBEDDING adapter");
        }
    }
}
