package io.sdtune.gateway.generation;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.gateway.api.MessageForm;
import io.sdtune.gateway.messaging.EventReader;
import io.sdtune.gateway.messaging.Publisher;
import io.sdtune.gateway.model.DefaultBaseModel;
import io.sdtune.gateway.quota.Quotas;
import io.sdtune.gateway.state.Retained;
import io.sdtune.gateway.state.RetentionLimits;
import io.sdtune.messaging.Records;
import io.sdtune.storage.ImageShelf;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Generation requests and their outcome: every request, this gateway's or another's, read from
 * {@value Topics#GENERATION_REQUESTS} from its beginning, is pending until its result, read from
 * {@value Topics#GENERATION_RESULTS} from its beginning; the requests also give the generations their
 * prompts, so the recent generations of any client show what they drew. As many as {@link RetentionLimits}
 * keeps.
 */
@ApplicationScoped
public class Generations {
    private static final Logger LOG = Logger.getLogger(Generations.class);

    @Inject
    Publisher publisher;
    @Inject
    EventReader reader;
    @Inject
    DefaultBaseModel baseModel;
    @Inject
    RetentionLimits limits;
    @Inject
    ImageShelf images;
    @Inject
    Quotas quotas;

    private Retained<GenerationStatus> statuses;
    /**
     * The generations deleted, with their tenants where known here: their request or a late result, read after the
     * deletion (the topics replay apart), brings nothing back. Bounded as the statuses are.
     */
    private Map<String, Optional<String>> deleted;

    @PostConstruct
    void bound() {
        deleted = Collections.synchronizedMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Optional<String>> eldest) {
                return size() > limits.maxGenerations();
            }
        });
        statuses = new Retained<>(limits.maxGenerations(), limits.maxAge(), GenerationStatus::updated,
                status -> !status.state().equals(GenerationStatus.PENDING));
    }

    /**
     * The body is a generation request less {@code request_id}; {@code base_model_id} and {@code seed} may
     * be left out (a seed is drawn, so a replayed request draws the same images), {@code width} and
     * {@code height} too (the default base model's size, for it), and the rest gets the seed article's
     * inference settings.
     */
    public GenerationRequest submit(String tenant, JsonNode body) {
        MessageForm form = MessageForm.of("generation request", body)
                .own("request_id", MessageForm.newId())
                .own("tenant", tenant)
                .orElse("base_model_id", baseModel.id())
                .orElse("seed", ThreadLocalRandom.current().nextLong((long) Limits.SEED.max() + 1));
        if (baseModel.id().equals(form.get("base_model_id").asText())) {
            form.orElse("width", baseModel.resolution()).orElse("height", baseModel.resolution());
        }
        GenerationRequest request = form.decode(GenerationRequest.class, problem -> false).withDefaults();
        quotas.checkGeneration(tenant);
        requested(request, Instant.now());
        publisher.publish(Topics.GENERATION_REQUESTS, request);
        return request;
    }

    /** The generation if {@code tenant} owns it; empty for another's, as for one never seen. */
    public Optional<GenerationStatus> status(String tenant, String requestId) {
        return statuses.get(requestId).filter(status -> status.ownedBy(tenant));
    }

    /** How many of the tenant's generations wait for their result. */
    public long pending(String tenant) {
        return statuses.values().stream()
                .filter(status -> status.ownedBy(tenant) && status.state().equals(GenerationStatus.PENDING)).count();
    }

    /** The {@code limit} most recently submitted or finished generations of {@code tenant}, newest first. */
    public List<GenerationStatus> recent(String tenant, int limit) {
        return statuses.values().stream()
                .filter(status -> status.ownedBy(tenant))
                .sorted(Comparator.comparing(GenerationStatus::updated).reversed())
                .limit(limit)
                .toList();
    }

    /** Pending since {@code at} unless its result came first, with its prompt and owner. */
    private void requested(GenerationRequest request, Instant at) {
        if (deleted.containsKey(request.requestId())) {
            return;
        }
        statuses.update(request.requestId(), status ->
                (status != null ? status : GenerationStatus.pending(request.requestId(), at)).withRequest(request));
    }

    /**
     * Deletes the caller's generation: its images, and its status in every gateway (a record without a value on
     * {@value Topics#GENERATION_RESULTS}, which each reads as its deletion, now and in a replay).
     *
     * @return false when the tenant has no such generation
     */
    public boolean delete(String tenant, String requestId) throws IOException {
        if (status(tenant, requestId).isEmpty()) {
            return false;
        }
        forget(requestId, tenant);
        images.delete(tenant, requestId);
        quotas.stored(tenant);
        publisher.tombstone(Topics.GENERATION_RESULTS, requestId);
        return true;
    }

    @Incoming("generation-results")
    void onResult(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            forget(record.key(), statuses.get(record.key()).map(GenerationStatus::tenant).orElse(null));
            return;
        }
        reader.decode(record, GenerationResult.class).ifPresent(result -> {
            if (deleted.containsKey(result.requestId())) {
                dropLateImages(result.requestId());
                return;
            }
            statuses.update(result.requestId(),
                    status -> GenerationStatus.of(result, Instant.ofEpochMilli(record.timestamp())).after(status));
        });
    }

    /** Its tenant, when known, is kept: the gateway that deleted it reads its own deletion back without one. */
    private void forget(String requestId, String tenant) {
        deleted.merge(requestId, Optional.ofNullable(tenant), (known, now) -> now.isPresent() ? now : known);
        statuses.remove(requestId);
    }

    /** A generation deleted while it was drawn: what its generator stored after the deletion goes too. */
    private void dropLateImages(String requestId) {
        Optional<String> tenant = deleted.get(requestId);
        if (tenant == null || tenant.isEmpty()) {
            return;
        }
        try {
            images.delete(tenant.get(), requestId);
        } catch (IOException e) {
            LOG.warnf(e, "the images of deleted generation %s could not be removed: left to the sweep", requestId);
        }
    }

    /**
     * A request of any gateway: pending here too until its result (so a client may ask any instance), with its
     * prompt. One that does not decode is the generator's to dead-letter, so it is skipped.
     */
    @Incoming("generation-requests")
    void onRequest(ConsumerRecord<String, String> record) {
        try {
            GenerationRequest request = Records.decode(record, GenerationRequest.class);
            requested(request, Instant.ofEpochMilli(record.timestamp()));
        } catch (InvalidMessageException e) {
            LOG.debugf("skipping %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }
}
