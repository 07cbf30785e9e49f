package io.sdtune.storage;

import java.io.IOException;

/** An object's bytes are not the ones its manifest names: damaged, truncated or replaced. */
public final class ChecksumMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    ChecksumMismatchException(StoredFile expected, String found) {
        super("object " + expected.key() + " does not match its manifest: expected " + expected.size()
                + " bytes with sha256 " + expected.sha256() + ", found " + found);
    }
}
