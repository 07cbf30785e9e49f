package io.sdtune.contracts.training;

import io.sdtune.contracts.adapter.AdapterKind;

/** The three fine-tuning methods of the seed article, each the diffusers example script of its name. */
public enum TrainingMethod {
    /** {@code textual_inversion.py}: a new word embedding (KBs). */
    TEXTUAL_INVERSION(AdapterKind.EMBEDDING),
    /** {@code train_dreambooth_lora.py}: low-rank deltas of the UNet's attention (MBs). */
    LORA(AdapterKind.LORA),
    /** {@code train_dreambooth.py}: the whole UNet (GBs). */
    DREAMBOOTH(AdapterKind.FULL_UNET);

    private final AdapterKind produces;

    TrainingMethod(AdapterKind produces) {
        this.produces = produces;
    }

    /** The kind of adapter a job of this method announces when it succeeds. */
    public AdapterKind produces() {
        return produces;
    }
}
