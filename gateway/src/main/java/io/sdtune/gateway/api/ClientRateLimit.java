package io.sdtune.gateway.api;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every API request takes a token from its client's bucket ({@link RateLimits}); with none left it is refused
 * 429 with {@code Retry-After}, before routing or reading anything. The client is the remote address, which
 * Quarkus takes from {@code Forwarded} / {@code X-Forwarded-For} when {@code quarkus.http.proxy.*} trusts the
 * proxy in front.
 *
 * <p>Bucket4j's buckets rather than SmallRye Fault Tolerance's {@code @RateLimit}, which counts one method's
 * calls from everyone together. A bucket unused for a whole period is full again, so the cache forgets it then
 * without changing an answer; past {@code max-clients} it forgets the least recently used ones early.
 */
public class ClientRateLimit {
    @Inject
    RateLimits limits;

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
    public void take(HttpServerRequest request) {
        SocketAddress address = request.remoteAddress();
        String client = address == null ? "" : address.hostAddress();
        ConsumptionProbe probe = buckets.get(client).tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
            throw ProblemException.tooManyRequests("rate limit: at most " + limits.requests() + " requests per "
                    + limits.period().toSeconds() + " s from one client (" + client + "), retry after " + seconds
                    + " s", seconds);
        }
    }
}
