package io.sdtune.generator;

/** A request this generator cannot serve as asked; the message becomes the failed result's reason. */
public final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Rejected(String reason) {
        super(reason);
    }
}
