package io.sdtune.gateway.auth;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The caller an API key stands for: its key id, its tenant, and the admin role for an admin's key. */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyRequest> {

    @Inject
    ApiKeys keys;
    @Inject
    AuthSettings settings;

    @Override
    public Class<ApiKeyRequest> getRequestType() {
        return ApiKeyRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
        return keys.find(request.key())
                .map(key -> Uni.createFrom().item(identity(key)))
                .orElseGet(() -> Uni.createFrom().failure(Refusals.refused("an API key this gateway does not know, "
                        + "or one revoked")));
    }

    private SecurityIdentity identity(KnownKey key) {
        QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(key.keyId()))
                .addAttribute(Caller.TENANT, key.tenant());
        if (key.admin()) {
            identity.addRole(settings.adminRole());
        }
        return identity.build();
    }
}
