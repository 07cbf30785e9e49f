package io.sdtune.storage;

import java.io.IOException;

/** The object store refused or failed an operation; says which operation, on which key, and why. */
public final class StorageException extends IOException {
    private static final long serialVersionUID = 1L;

    private final boolean passing;

    StorageException(String message, Throwable cause, boolean passing) {
        super(message, cause);
        this.passing = passing;
    }

    /** Whether trying again may succeed: the server failed or could not be reached, rather than refused. */
    public boolean passing() {
        return passing;
    }
}
