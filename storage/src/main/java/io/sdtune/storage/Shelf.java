package io.sdtune.storage;

/**
 * The top-level prefixes that hold published artifacts, each artifact a folder of files plus a
 * {@code manifest.json} (DESIGN.md, "Object store layout").
 */
public enum Shelf {
    /** {@code datasets/<datasetId>/...}: the training images a user uploaded. */
    DATASETS("datasets", "dataset id"),
    /** {@code adapters/<adapterId>/...}: LoRA, Textual Inversion and DreamBooth outputs. */
    ADAPTERS("adapters", "adapter id"),
    /** {@code models/<baseModelId>/...}: base models in the diffusers folder layout. */
    MODELS("models", "base model id"),
    /**
     * {@code checkpoints/<jobId>.checkpoint-<step>/...}: a running job's training state, which a redelivered
     * job resumes from; removed when the job ends.
     */
    CHECKPOINTS("checkpoints", "checkpoint id");

    private final String prefix;
    private final String idName;

    Shelf(String prefix, String idName) {
        this.prefix = prefix;
        this.idName = idName;
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
