package io.sdtune.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.MessageType;
import io.sdtune.contracts.json.JsonCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A request body that is a message of the contracts less the fields the gateway fills in (its id, ...).
 * It is read by the contracts' own codec, so the API is exactly as strict as the topics (an unknown field
 * is refused with "did you mean ...?", no coercion) and lists every problem at once.
 */
public final class MessageForm {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String what;
    private final ObjectNode fields;
    private final List<String> problems = new ArrayList<>();

    private MessageForm(String what, ObjectNode fields) {
        this.what = what;
        this.fields = fields;
    }

    /** The body's fields; anything but a JSON object is refused. */
    public static MessageForm of(String what, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalid(what, List.of("the body must be a JSON object"));
        }
        return new MessageForm(what, body.deepCopy());
    }

    /** A new id for a job, dataset or request: a UUID fits the contracts' id syntax. */
    public static String newId() {
        return UUID.randomUUID().toString();
    }

    public JsonNode get(String field) {
        return fields.get(field);
    }

    /** Sets a field the gateway owns; a client that sent it is told so. */
    public MessageForm own(String field, Object value) {
        if (fields.has(field)) {
            problems.add(field + " is set by the gateway, leave it out");
        }
        fields.set(field, JSON.valueToTree(value));
        return this;
    }

    /** Fills a field the client may set. */
    public MessageForm orElse(String field, Object value) {
        if (!fields.hasNonNull(field)) {
            fields.set(field, JSON.valueToTree(value));
        }
        return this;
    }

    /** Fills a field of the object {@code parent}, which is created when absent (and left to the contracts if no object). */
    public MessageForm orElse(String parent, String field, Object value) {
        if (!fields.hasNonNull(parent)) {
            fields.putObject(parent);
        }
        if (fields.get(parent) instanceof ObjectNode object && !object.hasNonNull(field)) {
            object.set(field, JSON.valueToTree(value));
        }
        return this;
    }

    /**
     * The message, checked by the contracts; every problem (the gateway's and the contracts') in one 400,
     * except those for which {@code ignored} is true (then null when those were all there was).
     */
    public <T extends Message> T decode(Class<T> type, Predicate<String> ignored) {
        ObjectNode message = JSON.createObjectNode().put("schema_version", MessageType.of(type).schemaVersion());
        message.setAll(fields);
        List<String> all = new ArrayList<>(problems);
        T decoded = null;
        try {
            decoded = JsonCodec.decode(bytes(message), type);
        } catch (InvalidMessageException e) {
            e.problems().stream().filter(ignored.negate()).forEach(all::add);
        }
        if (!all.isEmpty()) {
            throw ProblemException.invalid(what, all);
        }
        return decoded;
    }

    private static byte[] bytes(ObjectNode message) {
        try {
            return JSON.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always writes", e);
        }
    }
}
