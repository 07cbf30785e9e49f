package io.sdtune.gateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.contracts.auth.ApiKey;
import io.sdtune.contracts.auth.ApiKeyFormat;
import io.sdtune.gateway.api.MessageForm;
import io.sdtune.gateway.api.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

/**
 * The admins' API keys (admins only: the HTTP permission of /api/admin/*). Each answers once this gateway
 * accepts or refuses the key; the other instances follow as they read {@code api.keys}.
 */
@Path("/api/admin/api-keys")
public class ApiKeyResource {

    /** A new key; {@code key} is in this answer only, the gateway keeps its SHA-256. */
    public record Created(String keyId, String tenant, String name, boolean admin, String key, Instant created) {
    }

    @Inject
    ApiKeys keys;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response create(@RequestBody(description = "An API key less key_id and sha256, which the gateway sets: the "
            + "tenant it acts for, a name saying what it is for, whether it is an admin's (false if left out)",
            content = @Content(schema = @Schema(implementation = ApiKey.class))) JsonNode body) {
        String key = ApiKeyFormat.newKey();
        ApiKey requested = MessageForm.of("API key", body)
                .own("key_id", MessageForm.newId())
                .own("sha256", ApiKeyFormat.sha256(key))
                .orElse("admin", false)
                .decode(ApiKey.class, problem -> false);
        KnownKey created = keys.create(requested);
        return Response.status(Response.Status.CREATED)
                .entity(new Created(created.keyId(), created.tenant(), created.name(), created.admin(), key, created.created()))
                .build();
    }

    /** The keys admins created, newest first, without their secrets; the keys file's are not listed. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<KnownKey> list() {
        return keys.managed();
    }

    @DELETE
    @Path("/{keyId}")
    public Response revoke(@PathParam("keyId") String keyId) {
        if (keys.managed(keyId).isEmpty()) {
            throw ProblemException.notFound("no API key " + keyId + " (a key of the keys file is revoked there)");
        }
        keys.revoke(keyId);
        return Response.noContent().build();
    }
}
