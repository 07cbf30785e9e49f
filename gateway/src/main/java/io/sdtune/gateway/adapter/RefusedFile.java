package io.sdtune.gateway.adapter;

/** An adapter file that cannot be taken or converted; the message says why, naming the file and the key at fault. */
final class RefusedFile extends Exception {
    private static final long serialVersionUID = 1L;

    RefusedFile(String reason) {
        super(reason, null, false, false);
    }
}
