package io.sdtune.gateway.model;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The deployment's default base model, for clients that fill a form for it: its id, size, an example prompt, an
 * instance prompt and a guidance scale.
 */
@Path("/api/models/default")
public class BaseModelResource {

    public record BaseModelInfo(String id, int resolution, String examplePrompt, String instancePrompt,
            double guidanceScale) {
    }

    @Inject
    DefaultBaseModel baseModel;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public BaseModelInfo get() {
        return new BaseModelInfo(baseModel.id(), baseModel.resolution(), baseModel.examplePrompt(),
                baseModel.instancePrompt(), baseModel.guidanceScale());
    }
}
