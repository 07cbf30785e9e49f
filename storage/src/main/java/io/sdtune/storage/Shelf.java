package io.sdtune.storage;

/**
 * The prefixes that hold published artifacts, each artifact a folder of files plus a {@code manifest.json}
 * (DESIGN.md, "Object store layout"). A tenant's shelves are inside its own prefix, {@code tenants/<tenant>/};
 * only base models are shared by every tenant.
 */
public enum Shelf {
    /** {@code tenants/<tenant>/datasets/<datasetId>/...}: the training images a user uploaded. */
    DATASETS("datasets", "dataset id", false, false),
    /** {@code tenants/<tenant>/adapters/<adapterId>/<publication>/...}: LoRA, Textual Inversion and DreamBooth outputs. */
    ADAPTERS("adapters", "adapter id", true, false),
    /** {@code models/<baseModelId>/...}: base models in the diffusers folder layout, shared and read-only. */
    MODELS("models", "base model id", false, true),
    /**
     * {@code tenants/<tenant>/checkpoints/<jobId>.checkpoint-<step>/<publication>/...}: a running job's training
     * state, which a redelivered job resumes from; removed when the job ends.
     */
    CHECKPOINTS("checkpoints", "checkpoint id", true, false);

    private final String prefix;
    private final String idName;
    private final boolean contended;
    private final boolean shared;

    Shelf(String prefix, String idName, boolean contended, boolean shared) {
        this.prefix = prefix;
        this.idName = idName;
        this.contended = contended;
        this.shared = shared;
    }

    /** Whether the shelf is every tenant's (base models) rather than inside each tenant's prefix. */
    public boolean shared() {
        return shared;
    }

    /**
     * Whether two writers may publish one id at once: the artifacts of training jobs, which at-least-once
     * delivery can run twice. Each publication's files then go into a folder of their own, so the loser's
     * files never land on the winner's (ArtifactStore.publish).
     */
    public boolean contended() {
        return contended;
    }

    /** The key prefix of this shelf inside a tenant's prefix (or at the top, shared), with its trailing '/'. */
    public String prefix() {
        return prefix + "/";
    }

    /** {@code tenants/<tenant>/<shelf>/}, or {@code <shelf>/} for a shared shelf, whose tenant is null. */
    public String prefix(String tenant) {
        if (shared != (tenant == null)) {
            throw new IllegalArgumentException(shared ? this + " is shared: no tenant, was '" + tenant + "'"
                    : this + " is a tenant's: a tenant is required");
        }
        return shared ? prefix() : ObjectKeys.tenant(tenant) + prefix();
    }

    /** What an id on this shelf is called in messages: "adapter id". */
    public String idName() {
        return idName;
    }

    /** The artifact {@code id} on this shared shelf. */
    public ArtifactLocation at(String id) {
        return new ArtifactLocation(null, this, id);
    }

    /** The artifact {@code id} on this shelf of {@code tenant}. */
    public ArtifactLocation at(String tenant, String id) {
        return new ArtifactLocation(tenant, this, id);
    }
}
