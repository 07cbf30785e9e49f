package io.sdtune.contracts.generation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.validation.Checked;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;

/**
 * An adapter to generate with, at {@code scale} (1 when left out): a LoRA's deltas are multiplied by it,
 * as diffusers' {@code cross_attention_kwargs={"scale": s}}. An embedding or a DreamBooth UNet has no
 * scale: for those it must be 1, which the generator checks, knowing the adapter's kind.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AppliedAdapter(String adapterId, Double scale) implements Checked {
    private static final double DEFAULT_SCALE = 1.0;

    AppliedAdapter withDefaults() {
        return scale != null ? this : new AppliedAdapter(adapterId, DEFAULT_SCALE);
    }

    @Override
    public void check(Problems p) {
        p.required("adapter_id", adapterId, Syntax.ID);
        p.in("scale", scale, Limits.ADAPTER_SCALE);
    }
}
