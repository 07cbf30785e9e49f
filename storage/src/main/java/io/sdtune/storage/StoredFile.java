package io.sdtune.storage;

import io.sdtune.contracts.StoredObject;
import java.util.Objects;
import java.util.regex.Pattern;

/** One object as written: its key, the lower-case hex SHA-256 of its bytes and their count. */
public record StoredFile(String key, String sha256, long size) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public StoredFile {
        Objects.requireNonNull(key, "key");
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 of " + key + " must be 64 lower-case hex digits, was " + sha256);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size of " + key + " must be 0 or more, was " + size);
        }
    }

    /** This file as the messages name it. */
    public StoredObject asStoredObject() {
        return new StoredObject(key, sha256, size);
    }
}
