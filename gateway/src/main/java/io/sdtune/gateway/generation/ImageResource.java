package io.sdtune.gateway.generation;

import io.sdtune.contracts.validation.Syntax;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.ObjectStore;
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
 * Images, streamed from the store ({@code images/<id>/<n>.png}): those of generation requests, and a training
 * job's validation images ({@code <jobId>.validation-<step>}).
 */
@Path("/api/images")
public class ImageResource {
    private static final String PNG = "image/png";
    private static final String IMAGES = "images/";

    @Inject
    ObjectStore objects;

    static String url(String requestId, int n) {
        return url(ObjectKeys.image(requestId, n));
    }

    /** The URL of an image stored under {@code images/} (generated, or a training job's validation image). */
    public static String url(String key) {
        if (!key.startsWith(IMAGES)) {
            throw new IllegalArgumentException("not an image key: " + key);
        }
        return "/api/" + key;
    }

    @GET
    @Path("/{requestId}/{n: [0-9]{1,3}}.png")
    @Produces(PNG)
    public StreamingOutput image(@PathParam("requestId") String requestId, @PathParam("n") int n) throws IOException {
        if (!Syntax.ID.matches(requestId)) {
            throw absent(requestId, n);
        }
        InputStream in;
        try {
            in = objects.open(ObjectKeys.image(requestId, n));
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
