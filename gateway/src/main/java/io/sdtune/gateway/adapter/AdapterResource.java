package io.sdtune.gateway.adapter;

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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * The caller's adapters: listed, their files listed and downloaded (as stored or converted), imported, deleted. Only
 * the tenant that owns an adapter sees it; for any other it does not exist (404, the same answer as an unknown id).
 */
@Path("/api/adapters")
public class AdapterResource {

    @Inject
    AdapterCatalog catalog;
    @Inject
    AdapterFiles files;
    @Inject
    AdapterImport imports;
    @Inject
    AdapterDeletion deletion;
    @Inject
    Caller caller;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Adapter> list() {
        return catalog.all(caller.tenant());
    }

    /** A LoRA or an embedding made elsewhere, as multipart/form-data; answered with the adapter as the list shows it. */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public Response importAdapter(@RestForm("file") FileUpload file, @RestForm("kind") String kind,
            @RestForm("name") String name, @RestForm("trigger_tokens") String triggerTokens,
            @RestForm("base_model_id") String baseModelId) throws IOException {
        Adapter imported = imports.importAdapter(caller.tenant(),
                new AdapterImport.Form(file, kind, name, triggerTokens, baseModelId));
        return Response.status(Response.Status.CREATED).entity(imported).build();
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

    /** The adapter's files are deleted and a tombstone published: it leaves every list and generator. */
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) throws IOException {
        deletion.delete(caller.tenant(), id);
        return Response.noContent().build();
    }
}
