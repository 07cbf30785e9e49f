package io.sdtune.gateway.api;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.sdtune.gateway.auth.Refusals;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every refusal as a problem body: ours, the framework's own (no route, wrong media type, body too large), the
 * security checks' (401, 403: application.properties has them made inside Quarkus REST, so they come here), and a
 * failure of the gateway itself (a broker or store it cannot reach), which is logged.
 */
public final class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response refused(ProblemException e) {
        Response.ResponseBuilder response = problem(e.problem());
        e.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        return respond(Problem.of(status.getStatusCode(), status.getReasonPhrase(), e.getMessage(), List.of()));
    }

    /** No credential on a route that needs one. */
    @ServerExceptionMapper
    public Response unauthenticated(UnauthorizedException e) {
        return refused(ProblemException.unauthorized("authentication required: send Authorization: Bearer <API key "
                + "or access token>", "Bearer"));
    }

    /** A credential refused; RFC 6750's error code says the token is what is wrong. */
    @ServerExceptionMapper
    public Response refusedCredentials(AuthenticationFailedException e) {
        return refused(ProblemException.unauthorized("invalid bearer token: " + Refusals.reasonOf(e),
                "Bearer error=\"invalid_token\""));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return refused(ProblemException.forbidden("the caller lacks the role this route needs"));
    }

    /**
     * What failed is for the log, not the client (an exception's message may name hosts, paths, keys of the store):
     * the body gives the id of the log line instead.
     */
    @ServerExceptionMapper
    public Response failed(Exception e) {
        String errorId = UUID.randomUUID().toString();
        LOG.error("request failed, error id " + errorId, e);
        return respond(Problem.of(500, "Internal Server Error", "the gateway failed; error id " + errorId
                + " (in its log), try again later", List.of()));
    }

    private static Response respond(Problem problem) {
        return problem(problem).build();
    }

    private static Response.ResponseBuilder problem(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
    }
}
