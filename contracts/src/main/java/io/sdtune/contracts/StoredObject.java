package io.sdtune.contracts;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.validation.Checked;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;

/** A file in the object store, as every message refers to one: its key, with the checksum and size a reader verifies. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StoredObject(String key, String sha256, Long sizeBytes) implements Checked {

    @Override
    public void check(Problems problems) {
        problems.required("key", key, Syntax.OBJECT_KEY);
        problems.required("sha256", sha256, Syntax.SHA256);
        problems.required("size_bytes", sizeBytes, Limits.OBJECT_SIZE_BYTES);
    }
}
