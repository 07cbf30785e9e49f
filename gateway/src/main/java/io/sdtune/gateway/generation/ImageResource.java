package io.sdtune.gateway.generation;

import io.sdtune.contracts.validation.Syntax;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.auth.Caller;
import io.sdtune.storage.ImageShelf;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;

/**
 * The caller's images, streamed from its image shelf ({@code tenants/<tenant>/images/<id>/<n>.png}): those of its
 * generation requests, and its training jobs' validation images ({@code <jobId>.validation-<step>}). Another
 * tenant's image is not on the caller's shelf, so it is absent (404), as one never drawn is.
 */
@Path("/api/images")
public class ImageResource {

    @Inject
    ImageShelf images;
    @Inject
    Caller caller;

    static String url(String requestId, int n) {
        return "/api/images/" + requestId + "/" + n + ".png";
    }

    /** The URL of a stored image (generated, or a training job's validation image), for its owner. */
    public static String url(String key) {
        return "/api/images/" + ImageShelf.pathOf(key);
    }

    @GET
    @Path("/{requestId}/{n: [0-9]{1,3}}.png")
    @Produces(GenerationResource.PNG)
    public StreamingOutput image(@PathParam("requestId") String requestId, @PathParam("n") int n) throws IOException {
        if (!Syntax.ID.matches(requestId)) {
            throw absent(requestId, n);
        }
        InputStream in;
        try {
            in = images.open(caller.tenant(), requestId, n);
        } catch (NoSuchFileException e) {
            throw absent(requestId, n);
        }
        return out -> {
            try (in) {
                in.transferTo(out);
            }
        };
    }

    private static ProblemException absent(String requestId, int n) {
        return ProblemException.notFound("no image " + n + " of generation request " + requestId);
    }
}
