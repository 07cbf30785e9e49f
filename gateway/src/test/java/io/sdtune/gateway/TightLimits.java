package io.sdtune.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Bounds small enough for a test to reach: 3 jobs and 3 generations kept, 30 requests per 30 s a client, generated
 * images kept for 1 s.
 */
public class TightLimits implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("sdtune.gateway.retention.max-jobs", "3",
                "sdtune.gateway.retention.max-generations", "3",
                "sdtune.gateway.rate-limit.requests", "30",
                "sdtune.gateway.rate-limit.period", "30s",
                "sdtune.gateway.sweep.generation-images", "1s",
                "sdtune.gateway.sweep.validation-images", "1d");
    }
}
