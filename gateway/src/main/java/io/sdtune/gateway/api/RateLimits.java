package io.sdtune.gateway.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How many API requests one client (one remote address) may make: a token bucket of {@code requests} tokens,
 * refilled evenly over {@code period}. Generous: the web UI polls a generation once a second.
 */
@ConfigMapping(prefix = "sdtune.gateway.rate-limit")
public interface RateLimits {

    /** Requests per period, and the burst a client that was idle may make at once. */
    @WithDefault("600")
    long requests();

    @WithDefault("1m")
    Duration period();

    /** Clients whose buckets are held; past it the one used longest ago is forgotten (a full bucket again). */
    @WithDefault("100000")
    long maxClients();
}
