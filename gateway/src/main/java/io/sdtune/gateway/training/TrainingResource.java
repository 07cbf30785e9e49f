package io.sdtune.gateway.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sdtune.contracts.training.HyperParameters;
import io.sdtune.contracts.training.SeedDefaults;
import io.sdtune.contracts.training.TrainingMethod;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.auth.Caller;
import io.sdtune.gateway.model.DefaultBaseModel;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.IOException;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

@Path("/api/trainings")
public class TrainingResource {

    public record Accepted(String jobId) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Trainings trainings;
    @Inject
    DefaultBaseModel baseModel;
    @Inject
    TrainingJobs jobs;
    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response start(@RequestBody(description = "A training request less job_id and images, which the gateway "
            + "sets; base_model_id and any hyper-parameter may be left out",
            content = @Content(schema = @Schema(implementation = TrainingRequest.class))) JsonNode body)
            throws IOException {
        return Response.accepted(new Accepted(trainings.start(caller.tenant(), body).jobId())).build();
    }

    /**
     * Every hyper-parameter of the method at the seed's value, the resolution the default base model's: what a
     * request for it that leaves them out trains with.
     */
    @GET
    @Path("/defaults/{method}")
    @Produces(MediaType.APPLICATION_JSON)
    public HyperParameters defaults(@PathParam("method") TrainingMethod method) {
        HyperParameters resolution = JSON.convertValue(Map.of("resolution", baseModel.resolution()), HyperParameters.class);
        return SeedDefaults.apply(method, resolution);
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public TrainingStatus status(@PathParam("id") String id) {
        return jobs.status(caller.tenant(), id).orElseThrow(() -> unknown(id));
    }

    /** Server-sent events named by type ({@code progress}, ...), data {@code {type, at, event}}: the event as on its topic. */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        return jobs.watch(caller.tenant(), id).orElseThrow(() -> unknown(id))
                .map(seen -> sse.newEventBuilder()
                        .name(seen.type())
                        .mediaType(MediaType.APPLICATION_JSON_TYPE)
                        .data(seen)
                        .build());
    }

    @DELETE
    @Path("/{id}")
    public Response cancel(@PathParam("id") String id) {
        trainings.cancel(caller.tenant(), id);
        return Response.accepted().build();
    }

    private static ProblemException unknown(String id) {
        return ProblemException.notFound("no training job " + id);
    }
}
