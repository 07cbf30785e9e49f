package io.sdtune.gateway.api;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * A request body counted as it is read: the byte past {@code limit} throws the refusal instead. It reads no
 * more than one byte past the limit from the connection, whatever size of read is asked.
 */
final class BoundedBody extends FilterInputStream {
    private final long limit;
    private final Supplier<ProblemException> refusal;
    private long count;

    BoundedBody(InputStream body, long limit, Supplier<ProblemException> refusal) {
        super(body);
        this.limit = limit;
        this.refusal = refusal;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, (int) Math.min(length, limit - count + 1));
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(Math.min(n, limit - count + 1));
        counted(skipped);
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void counted(long n) {
        count += n;
        if (count > limit) {
            throw refusal.get();
        }
    }
}
