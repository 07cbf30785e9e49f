package io.sdtune.gateway.dataset;

import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.auth.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

@Path("/api/datasets")
public class DatasetResource {

    public record Created(String datasetId) {
    }

    @Inject
    Datasets datasets;
    @Inject
    Caller caller;

    /** Every file part is an image of the dataset, whatever its field name. */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(@RestForm(FileUpload.ALL) List<FileUpload> images) throws IOException {
        return Response.status(Response.Status.CREATED).entity(new Created(datasets.create(caller.tenant(), images))).build();
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) throws IOException {
        if (!datasets.delete(caller.tenant(), id)) {
            throw ProblemException.notFound("no dataset " + id);
        }
        return Response.noContent().build();
    }
}
