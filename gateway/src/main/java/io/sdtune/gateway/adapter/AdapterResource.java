package io.sdtune.gateway.adapter;

import io.sdtune.gateway.auth.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.util.List;

/**
 * The caller's adapters: listed, their files listed and downloaded (as stored or converted). Only
 * the tenant that owns an adapter sees it; for any other it does not exist (404, the same answer as an unknown id).
 */
@Path("/api/adapters")
public class AdapterResource {

    @Inject
    AdapterCatalog catalog;
    @Inject
    AdapterFiles files;
    @Inject
    Caller caller;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Adapter> list() {
        return catalog.all(caller.tenant());
    }

    @GET
    @Path("/{id}/files")
    @Produces(MediaType.APPLICATION_JSON)
    public List<AdapterFile> files(@PathParam("id") String id) throws IOException {
        return files.list(caller.tenant(), id);
    }

    /**
     * One file, as an attachment: as stored, or {@code format} kohya (a LoRA), single_file or zip (a DreamBooth model,
     * through its model_index.json); {@code half} for a single_file checkpoint in float16.
     */
    @GET
    @Path("/{id}/files/{name: .+}")
    public Response download(@PathParam("id") String id, @PathParam("name") String name,
            @QueryParam("format") String format, @QueryParam("half") @DefaultValue("false") boolean half)
            throws IOException {
        Download download = files.download(caller.tenant(), id, name, format, half);
        Response.ResponseBuilder response = Response.ok((StreamingOutput) download.body()::writeTo, download.mediaType())
                .header("Content-Disposition", "attachment; filename=\"" + download.fileName() + "\"");
        download.length().ifPresent(length -> response.header(HttpHeaders.CONTENT_LENGTH, length));
        return response.build();
    }
}
