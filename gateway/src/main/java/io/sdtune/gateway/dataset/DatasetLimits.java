package io.sdtune.gateway.dataset;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds of one upload; the count may not exceed what a training request takes (contracts' Limits). */
@ConfigMapping(prefix = "sdtune.gateway.datasets")
public interface DatasetLimits {

    /** Bytes of one image file. */
    @WithDefault("20971520")
    long maxImageBytes();

    /** Images of one dataset. */
    @WithDefault("100")
    int maxImages();
}
