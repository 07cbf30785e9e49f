package io.sdtune.gateway.auth;

import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Hands the request's identity, once authenticated, to its {@code SecurityIdentity} (and so to {@link Caller}).
 * Authentication is lazy (application.properties), and Quarkus keeps the outcome in a deferred identity; an
 * injected {@code SecurityIdentity} that was not given it waits for that, which a resource on the event loop (a
 * stream, {@link WhoAmIResource}) may not do. A refused or absent credential is the security check's business.
 */
public class ResolvedIdentity {
    @Inject
    CurrentIdentityAssociation identities;

    @ServerRequestFilter
    public Uni<Void> keep() {
        return identities.getDeferredIdentity()
                .invoke(identity -> identities.setIdentity(identity))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
