package io.sdtune.gateway;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** A route of the tests' gateway only, which fails as a broker or store the gateway cannot reach would make it. */
@Path("/api/test/failure")
public class FailingResource {
    static final String SECRET = "cannot reach s3://internal-bucket at 10.1.2.3";

    @GET
    public String fail() {
        throw new IllegalStateException(SECRET);
    }
}
