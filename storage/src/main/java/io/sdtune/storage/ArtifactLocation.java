package io.sdtune.storage;

import java.util.Objects;

/**
 * Where one artifact lives: {@code tenants/<tenant>/<shelf>/<id>/} ({@code <shelf>/<id>/} on a shared shelf, whose
 * tenant is null), its {@code manifest.json} there, its files below it - or, for a publication that had a folder of
 * its own ({@link Shelf#contended()}), below {@code .../<id>/<publication>/}. The manifest names its publication,
 * {@code ""} for none.
 */
public record ArtifactLocation(String tenant, Shelf shelf, String id) {
    /** The manifest's file name; no artifact file may take it. */
    public static final String MANIFEST = "manifest.json";

    public ArtifactLocation {
        Objects.requireNonNull(shelf, "shelf");
        shelf.prefix(tenant);
        ObjectKeys.id(shelf.idName(), id);
    }

    /** {@code tenants/<tenant>/<shelf>/<id>/}, or {@code <shelf>/<id>/} on a shared shelf. */
    public String prefix() {
        return shelf.prefix(tenant) + id + "/";
    }

    /** {@link #prefix()} then {@code manifest.json}. */
    public String manifestKey() {
        return prefix() + MANIFEST;
    }

    /** The key of the file at {@code relativePath} inside this artifact, published without a folder of its own. */
    public String fileKey(String relativePath) {
        return fileKey("", relativePath);
    }

    /** The key of the file at {@code relativePath} inside {@code publication} ({@code ""}: none) of this artifact. */
    public String fileKey(String publication, String relativePath) {
        if (ObjectKeys.relativePath(relativePath).equals(MANIFEST)) {
            throw new IllegalArgumentException(MANIFEST + " is the manifest's name, not an artifact file's: " + this);
        }
        return filesPrefix(publication) + relativePath;
    }

    /** The inverse of {@link #fileKey(String, String)}: the path of {@code key} inside the publication. */
    public String relativePath(String publication, String key) {
        String prefix = filesPrefix(publication);
        if (!key.startsWith(prefix)) {
            throw new IllegalArgumentException("key '" + key + "' is not inside " + prefix);
        }
        return ObjectKeys.relativePath(key.substring(prefix.length()));
    }

    private String filesPrefix(String publication) {
        return publication.isEmpty() ? prefix() : prefix() + ObjectKeys.id("publication", publication) + "/";
    }

    @Override
    public String toString() {
        return shelf.prefix(tenant) + id;
    }
}
