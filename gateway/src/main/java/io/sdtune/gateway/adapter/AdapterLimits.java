package io.sdtune.gateway.adapter;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds of an adapter import ({@code POST /api/adapters}). */
@ConfigMapping(prefix = "sdtune.gateway.adapters")
public interface AdapterLimits {
    /** What the body holds besides the file: its part's headers, the boundaries, the text fields. */
    long PART_OVERHEAD_BYTES = 64 * 1024;

    /**
     * Bytes of the imported file: 512 MiB. A LoRA of SD 1.5's attention at rank 4 is 4.4 MB in float32; one of every
     * linear layer of its UNet and text encoder at rank 128, 152 MB in float16 and 303 MB in float32. An embedding is
     * a few KB.
     */
    @WithDefault("536870912")
    long maxImportBytes();

    /** The body of an import of the largest file: the bound the upload streams under. */
    default long maxImportBodyBytes() {
        return maxImportBytes() + PART_OVERHEAD_BYTES;
    }
}
