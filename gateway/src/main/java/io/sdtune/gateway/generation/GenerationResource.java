package io.sdtune.gateway.generation;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.gateway.api.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

@Path("/api/generations")
public class GenerationResource {

    public record Accepted(String requestId) {
    }

    @Inject
    Generations generations;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response submit(JsonNode body) {
        return Response.accepted(new Accepted(generations.submit(body).requestId())).build();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public GenerationStatus status(@PathParam("id") String id) {
        return generations.status(id).orElseThrow(() -> ProblemException.notFound("no generation request " + id));
    }
}
