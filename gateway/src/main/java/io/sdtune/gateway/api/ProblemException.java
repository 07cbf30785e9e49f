package io.sdtune.gateway.api;

import jakarta.ws.rs.core.Response.Status;
import java.util.List;

/** A refused request, answered with its {@link Problem} body. */
public final class ProblemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;

    public ProblemException(Status status, String detail, List<String> problems) {
        super(detail);
        this.problem = Problem.of(status.getStatusCode(), status.getReasonPhrase(), detail, problems);
    }

    public static ProblemException invalid(String what, List<String> problems) {
        return new ProblemException(Status.BAD_REQUEST, "invalid " + what + ": " + String.join("; ", problems), problems);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Status.NOT_FOUND, detail, List.of());
    }

    public Problem problem() {
        return problem;
    }
}
