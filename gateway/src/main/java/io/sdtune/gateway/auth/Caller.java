package io.sdtune.gateway.auth;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/** Placeholder until the auth branch lands. */
@RequestScoped
public class Caller {
    @Inject
    SecurityIdentity identity;

    public String tenant() {
        return identity.getAttribute("tenant");
    }
}
