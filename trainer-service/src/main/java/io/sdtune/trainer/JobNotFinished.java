package io.sdtune.trainer;

/**
 * A job that ended without an outcome of its own, and what becomes of its request record: the consumer acks
 * the record only once that is done (TrainingRequestConsumer).
 */
final class JobNotFinished extends RuntimeException {
    private static final long serialVersionUID = 1L;

    enum Next {
        /** The trainer is stopping: the record is not acked, and comes again to the trainer that takes over. */
        REDELIVER,
        /** Not the job's fault (an outage that outlasted the retries): the record is sent again, one attempt on. */
        RETRY,
        /** Given up after too many attempts, {@code failed} told: the record goes to the dead-letter topic. */
        DEAD_LETTER
    }

    private final Next next;

    JobNotFinished(String jobId, Next next, String reason) {
        super("job " + jobId + ": " + reason);
        this.next = next;
    }

    Next next() {
        return next;
    }
}
