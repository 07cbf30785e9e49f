package io.sdtune.gateway.state;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How much of what it read from the topics the gateway keeps in memory: the topics are replayed at each start
 * and keep growing, the gateway's memory does not.
 */
@ConfigMapping(prefix = "sdtune.gateway.retention")
public interface RetentionLimits {

    /** Training jobs kept; past it the finished job updated longest ago goes first. */
    @WithDefault("10000")
    int maxJobs();

    /** Generations kept; past it the finished generation updated longest ago goes first. */
    @WithDefault("10000")
    int maxGenerations();

    /** A job or generation not updated for this long is dropped, finished or not. */
    @WithDefault("7d")
    Duration maxAge();

    /** Events of one job replayed to a new watcher; past it every other progress event is dropped. */
    @WithDefault("2000")
    int maxEventsPerJob();
}
