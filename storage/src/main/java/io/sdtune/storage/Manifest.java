package io.sdtune.storage;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a published artifact is: its id, its kind (free text such as LORA, EMBEDDING, FULL_UNET, BASE_MODEL,
 * DATASET; the contracts module owns the vocabulary), every file with its SHA-256 and size, when it was
 * published, and free metadata (base model, trigger tokens, ...). Written last, so its presence means every
 * file it names is complete. {@code publication} is the folder of the artifact that holds the files, {@code ""}
 * when they sit in the artifact's own (ArtifactLocation); a manifest written before there were publications
 * has none.
 */
public record Manifest(String id, String kind, String publication, List<StoredFile> files, Instant created,
        Map<String, String> metadata) {
    public Manifest {
        ObjectKeys.id("manifest id", id);
        publication = publication == null ? "" : publication;
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("manifest " + id + " has no kind");
        }
        Objects.requireNonNull(created, "manifest " + id + " has no created time");
        files = List.copyOf(Objects.requireNonNull(files, "manifest " + id + " has no files"));
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("manifest " + id + " lists no files");
        }
        Set<String> keys = new HashSet<>();
        for (StoredFile file : files) {
            if (!keys.add(file.key())) {
                throw new IllegalArgumentException("manifest " + id + " lists " + file.key() + " twice");
            }
        }
    }

    /** The bytes of all files together: what the artifact takes in a cache. */
    public long totalSize() {
        return files.stream().mapToLong(StoredFile::size).sum();
    }
}
