package io.sdtune.gateway.generation;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.auth.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

@Path("/api/generations")
public class GenerationResource {

    public record Accepted(String requestId) {
    }

    private static final int MAX_LIMIT = 1000;
    static final String PNG = "image/png";

    @Inject
    Generations generations;
    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response submit(@RequestBody(description = "A generation request less request_id, which the gateway sets; "
            + "all but prompt may be left out", content = @Content(schema = @Schema(implementation = GenerationRequest.class)))
            JsonNode body) {
        return Response.accepted(new Accepted(generations.submit(caller.tenant(), body).requestId())).build();
    }

    /**
     * Draws an image again from its PNG's AUTOMATIC1111 parameters ({@link Redraw}, as {@code bin/sd generate
     * --from_png}); the prompt's {@code <lora:ID:SCALE>} tags name the caller's adapters.
     */
    @POST
    @Path("/from-png")
    @Consumes(PNG)
    @Produces(MediaType.APPLICATION_JSON)
    public Response redraw(@RequestBody(description = "a PNG with a 'parameters' text chunk, as the generator and "
            + "AUTOMATIC1111 write it") byte[] png) {
        return Response.accepted(new Accepted(generations.submit(caller.tenant(), Redraw.request(png)).requestId())).build();
    }

    /** The caller's most recent generations, newest first: the web UI's gallery. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<GenerationStatus> recent(@QueryParam("limit") @DefaultValue("50") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ProblemException.invalid("query", List.of("limit must be >= 1 and <= " + MAX_LIMIT + ", got " + limit));
        }
        return generations.recent(caller.tenant(), limit);
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public GenerationStatus status(@PathParam("id") String id) {
        return generations.status(caller.tenant(), id).orElseThrow(() -> unknown(id));
    }

    /** Deletes the generation and its images; its prompt stays in {@code generation.requests} until retention ends it. */
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) throws IOException {
        if (!generations.delete(caller.tenant(), id)) {
            throw unknown(id);
        }
        return Response.noContent().build();
    }

    private static ProblemException unknown(String id) {
        return ProblemException.notFound("no generation request " + id);
    }
}
