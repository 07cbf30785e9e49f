package io.sdtune.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads built-in kinds as the fabric8 model of the Kubernetes API and fails where the API server would: a field the
 * type does not have, or a value of the wrong JSON type.
 */
final class ApiTypes {
    /** apiVersion/kind -> the model's class: only the kinds these manifests use; another kind is reported. */
    static final Map<String, Class<?>> TYPES = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class));

    /**
     * fabric8's classes keep unknown fields in additionalProperties through an @JsonAnySetter, so unknown fields
     * never fail: this mapper ignores every any-setter. Scalars are not coerced ("3" is no int32 to the API server).
     * The model's own deserializers (IntOrString, Quantity) still apply: they are Jackson 3 annotations.
     */
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                    return Boolean.FALSE;
                }
            })
            .build();

    private ApiTypes() {
    }

    /** The reason {@code document} is not a valid object of its kind, or null. */
    static String problem(ObjectNode document) {
        Class<?> type = TYPES.get(key(document));
        if (type == null) {
            return RenderedOverlay.describe(document) + ": no model for " + key(document);
        }
        try {
            STRICT.readValue(document.toString(), type);
            return null;
        } catch (RuntimeException e) {
            return RenderedOverlay.describe(document) + ": " + e.getMessage().lines().findFirst().orElse("")
                    + " (at " + pathOf(e) + ")";
        }
    }

    private static String pathOf(RuntimeException e) {
        if (e instanceof tools.jackson.databind.DatabindException d) {
            return d.getPathReference();
        }
        return "?";
    }

    private static String key(ObjectNode document) {
        return document.path("apiVersion").asText() + "/" + document.path("kind").asText();
    }
}
