package io.sdtune.gateway.auth;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.sdtune.contracts.validation.Syntax;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * A JWT's caller: its tenant is the claim {@code sdtune.gateway.auth.tenant-claim} names, which must be an id
 * (the rule of every id of the contracts, since it names the tenant's objects and messages), and its principal
 * its {@code sub}. A token that lacks either is refused as it is authenticated, with the reason - not let in as a
 * caller of no tenant.
 */
@ApplicationScoped
public class TenantClaim implements SecurityIdentityAugmentor {

    @Inject
    AuthSettings settings;

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (!(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Uni.createFrom().item(identity);
        }
        String claim = settings.tenantClaim();
        Object value = token.getClaim(claim);
        if (value == null) {
            return refuse("the JWT has no '" + claim + "' claim, a string naming the caller's tenant");
        }
        String tenant = value instanceof JsonString json ? json.getString() : value instanceof String text ? text : null;
        if (tenant == null || !Syntax.ID.matches(tenant)) {
            return refuse("the JWT's '" + claim + "' claim must be " + Syntax.ID.description());
        }
        if (token.getSubject() == null) {
            return refuse("the JWT has no 'sub' claim");
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity).addAttribute(Caller.TENANT, tenant).build());
    }

    private static Uni<SecurityIdentity> refuse(String reason) {
        return Uni.createFrom().failure(Refusals.refused(reason));
    }
}
