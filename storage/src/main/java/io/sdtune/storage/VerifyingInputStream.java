package io.sdtune.storage;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an object and checks it against its {@link StoredFile}: more bytes than its size fail at once, and at
 * the end a different count or SHA-256 fails with {@link ChecksumMismatchException}. A reader sees the error
 * in place of the end of the stream, so a consumer that reads to the end never accepts wrong bytes.
 */
final class VerifyingInputStream extends Sha256InputStream {
    private final StoredFile expected;
    private ChecksumMismatchException mismatch;
    private boolean ended;

    VerifyingInputStream(InputStream in, StoredFile expected) {
        super(in);
        this.expected = expected;
    }

    @Override
    void counted(int n) throws IOException {
        super.counted(n);
        if (count() > expected.size()) {
            throw new ChecksumMismatchException(expected, "more than " + expected.size() + " bytes");
        }
    }

    @Override
    void atEnd() throws IOException {
        if (!ended) {
            ended = true;
            String actual = sha256();
            if (count() != expected.size()) {
                mismatch = new ChecksumMismatchException(expected, count() + " bytes with sha256 " + actual);
            } else if (!actual.equals(expected.sha256())) {
                mismatch = new ChecksumMismatchException(expected, "sha256 " + actual);
            }
        }
        if (mismatch != null) {
            throw mismatch;
        }
    }
}
