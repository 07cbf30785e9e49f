package io.sdtune.gateway.adapter;

import io.sdtune.gateway.auth.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

@Path("/api/adapters")
public class AdapterResource {

    @Inject
    AdapterCatalog catalog;
    @Inject
    Caller caller;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Adapter> list() {
        return catalog.all(caller.tenant());
    }
}
