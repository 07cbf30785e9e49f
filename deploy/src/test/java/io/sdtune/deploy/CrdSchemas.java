package io.sdtune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The custom resources' schemas - KEDA's and Strimzi's CRDs, vendored under src/test/resources/crds (README there
 * says where from) - as JSON Schema, one per apiVersion/kind.
 *
 * <p>A CRD's openAPIV3Schema is OpenAPI's dialect: made JSON Schema here (nullable, int-or-string), and strict - an
 * object whose schema lists its properties takes no others unless it says x-kubernetes-preserve-unknown-fields. The
 * API server would silently prune such a field; a misspelt one is then a setting that never applies, so it fails here.
 */
final class CrdSchemas {
    static final List<String> FILES = List.of("keda.sh_scaledobjects.yaml", "keda.sh_triggerauthentications.yaml",
            "040-Crd-kafka.yaml", "043-Crd-kafkatopic.yaml", "045-Crd-kafkanodepool.yaml");

    private final Map<String, Schema> byKind = new HashMap<>();

    CrdSchemas() {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        for (String file : FILES) {
            JsonNode crd = read("/crds/" + file);
            String group = crd.path("spec").path("group").asText();
            String kind = crd.path("spec").path("names").path("kind").asText();
            for (JsonNode version : crd.path("spec").path("versions")) {
                if (!version.path("served").asBoolean()) {
                    continue;
                }
                JsonNode schema = strict(version.path("schema").path("openAPIV3Schema").deepCopy());
                byKind.put(group + "/" + version.path("name").asText() + "/" + kind, registry.getSchema(schema));
            }
        }
    }

    boolean knows(ObjectNode document) {
        return byKind.containsKey(key(document));
    }

    /** Each way {@code document} breaks its CRD's schema. */
    List<String> problems(ObjectNode document) {
        List<Error> errors = byKind.get(key(document)).validate(document);
        return errors.stream()
                .map(e -> RenderedOverlay.describe(document) + " at " + e.getInstanceLocation() + ": " + e.getMessage())
                .toList();
    }

    private static String key(ObjectNode document) {
        return document.path("apiVersion").asText() + "/" + document.path("kind").asText();
    }

    /** OpenAPI v3 (structural) schema -> strict JSON Schema, in place. */
    static JsonNode strict(JsonNode node) {
        if (!(node instanceof ObjectNode schema)) {
            return node;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
            ArrayNode anyOf = schema.putArray("anyOf");
            anyOf.addObject().put("type", "integer");
            anyOf.addObject().put("type", "string");
            schema.remove("type");
        }
        if (schema.path("nullable").asBoolean() && schema.has("type")) {
            ArrayNode types = JsonNodeFactory.instance.arrayNode().add(schema.get("type").asText()).add("null");
            schema.set("type", types);
        }
        boolean preserves = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
        // Typed objects only: Strimzi's oneOf branches list a subset of the properties (which one may be set), untyped.
        if ("object".equals(schema.path("type").asText()) && schema.has("properties")
                && !schema.has("additionalProperties") && !preserves) {
            schema.put("additionalProperties", false);
        }
        // The dialect's leftovers: formats such as int32 are not JSON Schema's, and x-kubernetes-* are not keywords.
        schema.remove("format");
        schema.remove("nullable");
        schema.remove("example");
        for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
            if (names.next().startsWith("x-kubernetes-")) {
                names.remove();
            }
        }
        schema.path("properties").forEach(CrdSchemas::strict);
        strict(schema.path("items"));
        strict(schema.path("additionalProperties"));
        strict(schema.path("not"));
        for (String list : List.of("anyOf", "oneOf", "allOf")) {
            schema.path(list).forEach(CrdSchemas::strict);
        }
        return schema;
    }

    private static JsonNode read(String resource) {
        try (InputStream in = CrdSchemas.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            return RenderedOverlay.YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
