package io.sdtune.contracts;

import java.util.List;

/**
 * The one exception for a message that cannot be accepted, whether it is not JSON, not this schema, or
 * breaks a rule: its message lists every problem found, in words meant for whoever sent it.
 */
public final class InvalidMessageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    public InvalidMessageException(String messageName, List<String> problems) {
        this(messageName, problems, null);
    }

    public InvalidMessageException(String messageName, List<String> problems, Throwable cause) {
        super("invalid " + messageName + ": " + String.join("; ", problems), cause);
        this.problems = List.copyOf(problems);
    }

    /** Each problem on its own, e.g. "hyper_parameters.learning_rate must be > 0 and <= 1, got 5". */
    public List<String> problems() {
        return problems;
    }
}
