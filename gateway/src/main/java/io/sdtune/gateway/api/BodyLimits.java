package io.sdtune.gateway.api;

import io.sdtune.gateway.adapter.AdapterLimits;
import io.sdtune.gateway.adapter.AdapterResource;
import io.sdtune.gateway.dataset.DatasetLimits;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Each API route's own bound on its request body, below Quarkus' one bound for every route
 * ({@code quarkus.http.limits.max-body-size}, which has to let the largest upload through): a JSON body at most
 * {@code sdtune.gateway.max-json-bytes}, a dataset upload at most its images' worth
 * ({@link DatasetLimits#maxUploadBytes()}), an adapter import at most its file's
 * ({@link AdapterLimits#maxImportBodyBytes()}) - the two routes that consume multipart/form-data -, and a PNG to
 * redraw at most a dataset image's bytes. A body whose Content-Length is larger is refused
 * before a byte of it is read; one of no declared length is counted as it streams and refused at the byte past
 * the bound. Either way 413, and the connection is closed after the answer rather than drained of the rest.
 */
public class BodyLimits {
    @ConfigProperty(name = "sdtune.gateway.max-json-bytes")
    long maxJsonBytes;
    @Inject
    DatasetLimits datasets;
    @Inject
    AdapterLimits adapters;

    /** Runs before the body is read: Quarkus REST reads it after the request filters. */
    @ServerRequestFilter
    public void bound(ContainerRequestContext request, ResourceInfo resource, RoutingContext routing) {
        long limit;
        String what;
        if (consumes(resource, "image/png")) {
            limit = datasets.maxImageBytes();
            what = "a PNG to redraw (sdtune.gateway.datasets.max-image-bytes)";
        } else if (!consumes(resource, MediaType.MULTIPART_FORM_DATA)) {
            limit = maxJsonBytes;
            what = "a JSON body (sdtune.gateway.max-json-bytes)";
        } else if (resource.getResourceClass() == AdapterResource.class) {
            limit = adapters.maxImportBodyBytes();
            what = "an adapter import (a file of " + adapters.maxImportBytes()
                    + " bytes with the form's other fields: sdtune.gateway.adapters.max-import-bytes)";
        } else {
            limit = datasets.maxUploadBytes();
            what = "a dataset upload (" + datasets.maxImages() + " images of " + datasets.maxImageBytes()
                    + " bytes, each with a caption file and their multipart headers: sdtune.gateway.datasets.max-images, "
                    + "max-image-bytes)";
        }
        String bound = "at most " + limit + " bytes for " + what;
        String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (declared == null) {
            request.setEntityStream(new BoundedBody(request.getEntityStream(), limit,
                    () -> refuse(routing, "the body is larger than " + limit + " bytes, " + bound)));
        } else if (Long.parseLong(declared) > limit) {
            throw refuse(routing, "the body has " + declared + " bytes, " + bound);
        }
    }

    private static boolean consumes(ResourceInfo resource, String mediaType) {
        Consumes consumes = resource.getResourceMethod().getAnnotation(Consumes.class);
        return consumes != null && Arrays.asList(consumes.value()).contains(mediaType);
    }

    /** As Quarkus does for its own bound: the client may still be sending, and reading it all is what is refused. */
    private static ProblemException refuse(RoutingContext routing, String detail) {
        routing.addEndHandler(ended -> routing.request().connection().close());
        return ProblemException.tooLarge(detail);
    }
}
