package io.sdtune.gateway.generation;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.gateway.api.MessageForm;
import io.sdtune.gateway.messaging.EventReader;
import io.sdtune.gateway.messaging.Publisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Generation requests and their outcome: requests this gateway published are pending until their result,
 * read from {@value Topics#GENERATION_RESULTS} from its beginning.
 */
@ApplicationScoped
public class Generations {
    private final Map<String, GenerationStatus> statuses = new ConcurrentHashMap<>();

    @Inject
    Publisher publisher;
    @Inject
    EventReader reader;
    @ConfigProperty(name = "sdtune.gateway.base-model-id")
    String baseModelId;

    /**
     * The body is a generation request less {@code request_id}; {@code base_model_id} and {@code seed} may
     * be left out (a seed is drawn, so a replayed request draws the same images), and the rest gets the
     * seed article's inference settings.
     */
    public GenerationRequest submit(JsonNode body) {
        GenerationRequest request = MessageForm.of("generation request", body)
                .own("request_id", MessageForm.newId())
                .orElse("base_model_id", baseModelId)
                .orElse("seed", ThreadLocalRandom.current().nextLong((long) Limits.SEED.max() + 1))
                .decode(GenerationRequest.class, problem -> false)
                .withDefaults();
        statuses.putIfAbsent(request.requestId(), GenerationStatus.pending(request.requestId()));
        publisher.publish(Topics.GENERATION_REQUESTS, request);
        return request;
    }

    public Optional<GenerationStatus> status(String requestId) {
        return Optional.ofNullable(statuses.get(requestId));
    }

    @Incoming("generation-results")
    void onResult(ConsumerRecord<String, String> record) {
        reader.decode(record, GenerationResult.class)
                .ifPresent(result -> statuses.put(result.requestId(), GenerationStatus.of(result)));
    }
}
