package io.sdtune.gateway.api;

import jakarta.ws.rs.core.Response.Status;
import java.util.List;
import java.util.Map;

/** A refused request, answered with its {@link Problem} body and any headers the refusal needs. */
public final class ProblemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;
    private final transient Map<String, String> headers;

    public ProblemException(Status status, String detail, List<String> problems) {
        this(status, detail, problems, Map.of());
    }

    private ProblemException(Status status, String detail, List<String> problems, Map<String, String> headers) {
        super(detail);
        this.problem = Problem.of(status.getStatusCode(), status.getReasonPhrase(), detail, problems);
        this.headers = Map.copyOf(headers);
    }

    public static ProblemException invalid(String what, List<String> problems) {
        return new ProblemException(Status.BAD_REQUEST, "invalid " + what + ": " + String.join("; ", problems), problems);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Status.NOT_FOUND, detail, List.of());
    }

    /** 401, with the {@code WWW-Authenticate} challenge that says how to authenticate. */
    public static ProblemException unauthorized(String detail, String challenge) {
        return new ProblemException(Status.UNAUTHORIZED, detail, List.of(), Map.of("WWW-Authenticate", challenge));
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(Status.FORBIDDEN, detail, List.of());
    }

    /** 413; the connection is to be closed, not drained of the rest of the body. */
    public static ProblemException tooLarge(String detail) {
        return new ProblemException(Status.REQUEST_ENTITY_TOO_LARGE, detail, List.of(), Map.of("Connection", "close"));
    }

    /** 429, with the seconds after which a request will be taken. */
    public static ProblemException tooManyRequests(String detail, long retryAfterSeconds) {
        return new ProblemException(Status.TOO_MANY_REQUESTS, detail, List.of(),
                Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
