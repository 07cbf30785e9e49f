package io.sdtune.gateway.state;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** How long the store keeps what nobody deletes ({@code sdtune.gateway.sweep.*}), and how often that is looked at. */
@ConfigMapping(prefix = "sdtune.gateway.sweep")
public interface SweepSettings {

    /** Between two sweeps of the store. */
    @WithDefault("1h")
    Duration interval();

    /**
     * Files that no manifest names are removed once this old: no publication in progress (a DreamBooth model's
     * upload included) takes this long.
     */
    @WithDefault("1d")
    Duration orphanGrace();

    /** Generated images are removed once this old; absent: kept until their generation is deleted. */
    Optional<Duration> generationImages();

    /** Training jobs' validation images are removed once this old; absent: kept. */
    Optional<Duration> validationImages();
}
