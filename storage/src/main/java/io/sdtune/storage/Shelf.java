package io.sdtune.storage;

/**
 * The top-level prefixes that hold published artifacts, each artifact a folder of files plus a
 * {@code manifest.json} (DESIGN.md, "Object store layout").
 */
public enum Shelf {
    /** {@code datasets/<datasetId>/...}: the training images a user uploaded. */
    DATASETS("datasets", "dataset id", false),
    /** {@code adapters/<adapterId>/<publication>/...}: LoRA, Textual Inversion and DreamBooth outputs. */
    ADAPTERS("adapters", "adapter id", true),
    /** {@code models/<baseModelId>/...}: base models in the diffusers folder layout. */
    MODELS("models", "base model id", false),
    /**
     * {@code checkpoints/<jobId>.checkpoint-<step>/<publication>/...}: a running job's training state, which a
     * redelivered job resumes from; removed when the job ends.
     */
    CHECKPOINTS("checkpoints", "checkpoint id", true);

    private final String prefix;
    private final String idName;
    private final boolean contended;

    Shelf(String prefix, String idName, boolean contended) {
        this.prefix = prefix;
        this.idName = idName;
        this.contended = contended;
    }

    /**
     * Whether two writers may publish one id at once: the artifacts of training jobs, which at-least-once
     * delivery can run twice. Each publication's files then go into a folder of their own, so the loser's
     * files never land on the winner's (ArtifactStore.publish).
     */
    public boolean contended() {
        return contended;
    }

    /** The key prefix of this shelf, with its trailing '/'. */
    public String prefix() {
        return prefix + "/";
    }

    /** What an id on this shelf is called in messages: "adapter id". */
    public String idName() {
        return idName;
    }

    /** The artifact {@code id} on this shelf. */
    public ArtifactLocation at(String id) {
        return new ArtifactLocation(this, id);
    }
}
