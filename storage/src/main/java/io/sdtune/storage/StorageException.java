package io.sdtune.storage;

import java.io.IOException;

/** The object store refused or failed an operation; says which operation, on which key, and why. */
public final class StorageException extends IOException {
    private static final long serialVersionUID = 1L;

    StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
