package io.sdtune.gateway.api;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.sdtune.gateway.auth.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every API request takes a token from its client's bucket ({@link RateLimits}); with none left it is refused
 * 429 with {@code Retry-After}, before routing or reading anything. The client is the caller (each API key, each
 * JWT subject its own bucket, wherever it calls from), else the remote address, which Quarkus takes from
 * {@code Forwarded} / {@code X-Forwarded-For} when {@code quarkus.http.proxy.*} trusts the proxy in front.
 *
 * <p>So it authenticates the request first (authentication is not proactive: application.properties), and a
 * refused credential counts against its address - guessing keys is limited too. The 401 comes after, from the
 * security check, which is given the same outcome (Quarkus keeps it for the request) rather than authenticating
 * again.
 *
 * <p>Bucket4j's buckets rather than SmallRye Fault Tolerance's {@code @RateLimit}, which counts one method's
 * calls from everyone together. A bucket unused for a whole period is full again, so the cache forgets it then
 * without changing an answer; past {@code max-clients} it forgets the least recently used ones early.
 */
public class ClientRateLimit {
    @Inject
    RateLimits limits;
    @Inject
    CurrentIdentityAssociation identities;

    private LoadingCache<String, Bucket> buckets;

    @PostConstruct
    void buckets() {
        buckets = Caffeine.newBuilder()
                .maximumSize(limits.maxClients())
                .expireAfterAccess(limits.period())
                .build(client -> Bucket.builder()
                        .addLimit(limit -> limit.capacity(limits.requests()).refillGreedy(limits.requests(), limits.period()))
                        .build());
    }

    @ServerRequestFilter(preMatching = true)
    public Uni<Void> take(HttpServerRequest request) {
        return identities.getDeferredIdentity()
                .map(identity -> identity.isAnonymous() ? address(request) : "caller " + Caller.principalOf(identity))
                .onFailure().recoverWithItem(() -> address(request))
                .invoke(this::consume)
                .replaceWithVoid();
    }

    private void consume(String client) {
        ConsumptionProbe probe = buckets.get(client).tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
            throw ProblemException.tooManyRequests("rate limit: at most " + limits.requests() + " requests per "
                    + limits.period().toSeconds() + " s from one client (" + client + "), retry after " + seconds
                    + " s", seconds);
        }
    }

    private static String address(HttpServerRequest request) {
        SocketAddress address = request.remoteAddress();
        return address == null ? "" : address.hostAddress();
    }
}
