package io.sdtune.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Passes bytes through while counting them and hashing them with SHA-256, so nothing is buffered whole. */
class Sha256InputStream extends FilterInputStream {
    private final MessageDigest digest;
    private long count;

    Sha256InputStream(InputStream in) {
        super(in);
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            atEnd();
        } else {
            digest.update((byte) b);
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
            atEnd();
        } else {
            digest.update(buffer, offset, n);
            counted(n);
        }
        return n;
    }

    /** Skipped bytes would be missing from the hash, so they are read instead. */
    @Override
    public long skip(long n) throws IOException {
        return readNBytes((int) Math.min(n, 8192)).length;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    long count() {
        return count;
    }

    /** The lower-case hex SHA-256 of everything read; ends the hash, so call it once, after the last read. */
    String sha256() {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Called after {@code n} more bytes have been read and hashed. */
    void counted(int n) throws IOException {
        count += n;
    }

    /** Called each time the underlying stream reports its end. */
    void atEnd() throws IOException {}
}
