package io.sdtune.gateway.auth;

import io.quarkus.runtime.StartupEvent;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.auth.ApiKey;
import io.sdtune.contracts.auth.ApiKeyFormat;
import io.sdtune.gateway.messaging.EventReader;
import io.sdtune.gateway.messaging.Publisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The API keys the gateway accepts: those of the keys file, read at start, and those admins created, from the
 * compacted {@value Topics#API_KEYS} topic read from its beginning - as every gateway instance reads it, so all
 * accept the same keys. A key is looked up by the SHA-256 of what the caller sent: the time a lookup takes
 * depends on that hash, never on how much of a stored secret matches.
 */
@ApplicationScoped
public class ApiKeys {
    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    /** How long a change waits to be read back from the topic, for its answer to hold on this gateway. */
    private static final Duration READ_BACK = Duration.ofSeconds(10);

    /** A key of the topic, with the hash it is found by. */
    private record Managed(String sha256, KnownKey key) {
    }

    /** A change published here, waiting to be read back: a key ({@code present}) or a tombstone. */
    private record Awaited(boolean present, CompletableFuture<Void> read) {
    }

    @Inject
    AuthSettings settings;
    @Inject
    EventReader reader;
    @Inject
    Publisher publisher;

    private volatile Map<String, KnownKey> fromFile = Map.of();
    private final Map<String, Managed> managed = new ConcurrentHashMap<>();
    private final Map<String, KnownKey> managedByHash = new ConcurrentHashMap<>();
    private final Map<String, Awaited> awaited = new ConcurrentHashMap<>();

    /** A bad keys file stops the start, naming the line. */
    void readFile(@Observes StartupEvent start) {
        settings.apiKeysFile().ifPresentOrElse(file -> {
            fromFile = ApiKeyFile.read(file);
            LOG.infof("%d API keys from %s", fromFile.size(), file);
        }, () -> LOG.info("no API keys file (sdtune.gateway.auth.api-keys-file): the keys admins create on "
                + Topics.API_KEYS + " only"));
    }

    /** The key {@code key} is, if it is one the gateway accepts. */
    public Optional<KnownKey> find(String key) {
        String sha256 = ApiKeyFormat.sha256(key);
        KnownKey known = fromFile.get(sha256);
        return Optional.ofNullable(known != null ? known : managedByHash.get(sha256));
    }

    /** The keys admins created, newest first. */
    public List<KnownKey> managed() {
        return managed.values().stream().map(Managed::key)
                .sorted(Comparator.comparing(KnownKey::created).reversed())
                .toList();
    }

    public Optional<KnownKey> managed(String keyId) {
        return Optional.ofNullable(managed.get(keyId)).map(Managed::key);
    }

    /** Publishes {@code key}; returns it once this gateway accepts it. */
    public KnownKey create(ApiKey key) {
        publishAndAwait(key.keyId(), true, () -> publisher.publish(Topics.API_KEYS, key));
        return managed(key.keyId()).orElseThrow(() -> new IllegalStateException("key " + key.keyId()
                + " was read back and revoked at once"));
    }

    /** Publishes the tombstone of {@code keyId}; returns once this gateway refuses the key. */
    public void revoke(String keyId) {
        publishAndAwait(keyId, false, () -> publisher.tombstone(Topics.API_KEYS, keyId));
    }

    private void publishAndAwait(String keyId, boolean present, Runnable publish) {
        Awaited change = new Awaited(present, new CompletableFuture<>());
        awaited.put(keyId, change);
        try {
            publish.run();
            change.read().get(READ_BACK.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("published key " + keyId + " on " + Topics.API_KEYS + ", but did not read it "
                    + "back within " + READ_BACK.toSeconds() + " s: this gateway's consumer is behind or stopped", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for key " + keyId + " to be read back", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        } finally {
            awaited.remove(keyId, change);
        }
    }

    @Incoming("api-keys")
    void onRecord(ConsumerRecord<String, String> record) {
        String keyId = record.key();
        if (record.value() == null) {
            // a tombstone: the key was revoked
            Managed revoked = managed.remove(keyId);
            if (revoked != null) {
                managedByHash.remove(revoked.sha256());
            }
        } else {
            reader.decode(record, ApiKey.class).ifPresent(key -> {
                KnownKey known = new KnownKey(key.keyId(), key.tenant(), key.name(), key.admin(),
                        Instant.ofEpochMilli(record.timestamp()));
                Managed previous = managed.put(key.keyId(), new Managed(key.sha256(), known));
                if (previous != null) {
                    managedByHash.remove(previous.sha256());
                }
                managedByHash.put(key.sha256(), known);
            });
        }
        Awaited change = awaited.get(keyId);
        // an older record of the key, replayed at start, is not the change awaited
        if (change != null && change.present() == (record.value() != null)) {
            change.read().complete(null);
        }
    }
}
