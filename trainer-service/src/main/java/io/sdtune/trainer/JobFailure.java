package io.sdtune.trainer;

/** A job that cannot go on, with a reason for the user who asked for it (it becomes the {@code failed} event). */
final class JobFailure extends Exception {
    private static final long serialVersionUID = 1L;

    JobFailure(String reason, Throwable cause) {
        super(reason, cause);
    }

    JobFailure(String reason) {
        super(reason);
    }
}
