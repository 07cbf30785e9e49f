package io.sdtune.storage;

import java.util.Objects;

/** Where one artifact lives: {@code <shelf>/<id>/}, its files below, {@code manifest.json} among them. */
public record ArtifactLocation(Shelf shelf, String id) {
    /** The manifest's file name; no artifact file may take it. */
    public static final String MANIFEST = "manifest.json";

    public ArtifactLocation {
        Objects.requireNonNull(shelf, "shelf");
        ObjectKeys.id(shelf.idName(), id);
    }

    /** {@code <shelf>/<id>/}. */
    public String prefix() {
        return shelf.prefix() + id + "/";
    }

    /** {@code <shelf>/<id>/manifest.json}. */
    public String manifestKey() {
        return prefix() + MANIFEST;
    }

    /** The key of the file at {@code relativePath} inside this artifact. */
    public String fileKey(String relativePath) {
        if (ObjectKeys.relativePath(relativePath).equals(MANIFEST)) {
            throw new IllegalArgumentException(MANIFEST + " is the manifest's name, not an artifact file's: " + this);
        }
        return prefix() + relativePath;
    }

    /** The inverse of {@link #fileKey}: the path of {@code key} inside this artifact. */
    public String relativePath(String key) {
        if (!key.startsWith(prefix())) {
            throw new IllegalArgumentException("key '" + key + "' is not inside " + prefix());
        }
        return ObjectKeys.relativePath(key.substring(prefix().length()));
    }

    @Override
    public String toString() {
        return shelf.prefix() + id;
    }
}
