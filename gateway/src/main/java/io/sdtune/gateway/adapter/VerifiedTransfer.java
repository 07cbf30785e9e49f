package io.sdtune.gateway.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies a stream that is checked as it is read (storage's {@code ObjectStore.openVerified}, which reports a wrong
 * size or SHA-256 only where its end would be) to a response, holding back the last chunk read until the stream has
 * ended without a mismatch. The response announced the file's Content-Length, so on a mismatch at least that chunk
 * (one byte or more) is never sent: the client gets fewer bytes than announced and the connection closed, which
 * every HTTP client reports as a failed transfer - never a complete-looking file with wrong bytes.
 */
final class VerifiedTransfer {
    private static final int CHUNK_BYTES = 64 * 1024;

    private VerifiedTransfer() {
    }

    /** The number of bytes copied; the stream's mismatch, if any, is thrown with the last chunk still held. */
    static long transfer(InputStream verified, OutputStream out) throws IOException {
        byte[] held = new byte[CHUNK_BYTES];
        byte[] next = new byte[CHUNK_BYTES];
        int heldLength = 0;
        long copied = 0;
        int n;
        while ((n = verified.read(next)) >= 0) {
            if (n == 0) {
                continue;
            }
            out.write(held, 0, heldLength);
            copied += heldLength;
            byte[] swap = held;
            held = next;
            next = swap;
            heldLength = n;
        }
        // The end was reported, so size and SHA-256 matched: the last chunk may go.
        out.write(held, 0, heldLength);
        return copied + heldLength;
    }
}
