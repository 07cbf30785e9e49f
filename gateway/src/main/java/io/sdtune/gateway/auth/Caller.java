package io.sdtune.gateway.auth;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who calls the API: the tenant the caller acts for, and a name that stays the same across its requests (an API
 * key's id, a JWT's {@code sub}). A resource injects it; every /api route is authenticated
 * (application.properties), so there is always one there.
 */
@RequestScoped
public class Caller {
    /** The identity attribute that holds the tenant, set for an API key and a JWT alike. */
    static final String TENANT = "io.sdtune.gateway.tenant";

    @Inject
    SecurityIdentity identity;
    @Inject
    AuthSettings settings;

    public String tenant() {
        return authenticated().getAttribute(TENANT);
    }

    public String principal() {
        return principalOf(authenticated());
    }

    /** Whether the caller may create and revoke API keys. */
    public boolean admin() {
        return authenticated().hasRole(settings.adminRole());
    }

    /** The principal of an authenticated identity: a JWT's {@code sub} (SmallRye's name is its {@code upn} first). */
    public static String principalOf(SecurityIdentity identity) {
        return identity.getPrincipal() instanceof JsonWebToken token ? token.getSubject() : identity.getPrincipal().getName();
    }

    private SecurityIdentity authenticated() {
        if (identity.isAnonymous()) {
            throw new IllegalStateException("no caller: the route is not authenticated (quarkus.http.auth.permission.*)");
        }
        return identity;
    }
}
