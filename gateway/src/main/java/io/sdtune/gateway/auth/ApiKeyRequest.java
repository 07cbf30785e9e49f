package io.sdtune.gateway.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token that is an API key, for {@link ApiKeyIdentityProvider}. */
final class ApiKeyRequest extends BaseAuthenticationRequest {
    private final String key;

    ApiKeyRequest(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }

    @Override
    public String toString() {
        return "ApiKeyRequest[key hidden]";
    }
}
