package io.sdtune.gateway.quota;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What one tenant may hold at once ({@code sdtune.gateway.quotas.*}), and per tenant otherwise
 * ({@code sdtune.gateway.quotas.tenants."<tenant>".*}, each limit optional).
 */
@ConfigMapping(prefix = "sdtune.gateway.quotas")
public interface QuotaSettings {

    /**
     * Training jobs submitted and not yet succeeded, failed or cancelled: waiting ones take no accelerator, and the
     * seed's comparison trains its three methods at once.
     */
    @WithDefault("4")
    int maxConcurrentTrainings();

    /** Generations submitted and not yet answered. */
    @WithDefault("20")
    int maxQueuedGenerations();

    /** Bytes under the tenant's prefix: datasets, adapters, checkpoints, images. */
    @WithDefault("21474836480")
    long maxStoredBytes();

    /** How long a tenant's stored bytes, which take a listing to count, are taken as counted. */
    @WithDefault("1m")
    Duration storedBytesRefresh();

    Map<String, TenantQuota> tenants();

    /** One tenant's own limits; what it leaves out is the default. */
    interface TenantQuota {
        Optional<Integer> maxConcurrentTrainings();

        Optional<Integer> maxQueuedGenerations();

        Optional<Long> maxStoredBytes();
    }

    default int maxConcurrentTrainings(String tenant) {
        return Optional.ofNullable(tenants().get(tenant)).flatMap(TenantQuota::maxConcurrentTrainings)
                .orElse(maxConcurrentTrainings());
    }

    default int maxQueuedGenerations(String tenant) {
        return Optional.ofNullable(tenants().get(tenant)).flatMap(TenantQuota::maxQueuedGenerations)
                .orElse(maxQueuedGenerations());
    }

    default long maxStoredBytes(String tenant) {
        return Optional.ofNullable(tenants().get(tenant)).flatMap(TenantQuota::maxStoredBytes).orElse(maxStoredBytes());
    }
}
