package io.sdtune.gateway.dataset;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds of one upload; the count may not exceed what a training request takes (contracts' Limits). */
@ConfigMapping(prefix = "sdtune.gateway.datasets")
public interface DatasetLimits {
    /** What an upload's body may hold besides its images: each part's headers, the boundaries, a text field. */
    long PART_OVERHEAD_BYTES = 64 * 1024;

    /** Bytes of one image file. */
    @WithDefault("20971520")
    long maxImageBytes();

    /** Images of one dataset. */
    @WithDefault("100")
    int maxImages();

    /**
     * Pixels of one image, as its header declares them: 4096x4096. Training draws 512 to 1024 pixels a side, so
     * more only costs upload, storage and decoding time (the trainer decodes a large image subsampled, and refuses
     * one above 64 MP), and a phone's 12 MP photo fits.
     */
    @WithDefault("16777216")
    long maxImagePixels();

    /**
     * The longer side over the shorter: 4:1, the widest of kohya's default aspect-ratio buckets (256 to 1024
     * pixels a side). A narrower strip resized for training is mostly one side (16384x64 at 512 pixels is
     * 131072x512).
     */
    @WithDefault("4")
    double maxAspectRatio();

    /**
     * The body of an upload of the most images of the largest size, each with a caption file (kohya's form; one
     * {@code metadata.jsonl} for them all is smaller): the bound the upload streams under.
     */
    default long maxUploadBytes() {
        return maxImages() * (maxImageBytes() + UploadedCaptions.MAX_CAPTION_FILE_BYTES + 2 * PART_OVERHEAD_BYTES);
    }
}
