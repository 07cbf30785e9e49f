package io.sdtune.gateway.auth;

import io.smallrye.common.annotation.NonBlocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The caller as the gateway sees it: a client checks its credential, the web UI shows who is signed in. */
@Path("/api/whoami")
public class WhoAmIResource {

    public record Identity(String tenant, String principal, boolean admin) {
    }

    @Inject
    Caller caller;

    /** On the event loop, as the streaming resources run: the caller is known there without blocking. */
    @GET
    @NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    public Identity whoami() {
        return new Identity(caller.tenant(), caller.principal(), caller.admin());
    }
}
