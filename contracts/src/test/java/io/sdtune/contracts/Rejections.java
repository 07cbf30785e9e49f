package io.sdtune.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.json.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** What a reader says of a valid message once one field of it is changed on the wire. */
public final class Rejections {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Rejections() {
    }

    /**
     * The problems found when {@code path} (dotted, with [i] for list elements, e.g. hyper_parameters.rank or
     * images[0].sha256) of {@code sample}'s JSON is set to the JSON {@code value}; "absent" removes it. Empty
     * if the changed message is accepted.
     */
    public static List<String> of(Message sample, String path, String value) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(JsonCodec.encode(sample));
            String[] steps = path.split("\\.");
            JsonNode parent = json;
            for (int i = 0; i < steps.length - 1; i++) {
                parent = child(parent, steps[i]);
            }
            set(parent, steps[steps.length - 1], value.equals("absent") ? null : JSON.readTree(value));
            Class<? extends Message> type = MessageType.of(sample.getClass()).type().asSubclass(Message.class);
            JsonCodec.decode(json.toString().getBytes(StandardCharsets.UTF_8), type);
            return List.of();
        } catch (InvalidMessageException e) {
            return e.problems();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode child(JsonNode parent, String step) {
        if (step.endsWith("]")) {
            String name = step.substring(0, step.indexOf('['));
            return parent.get(name).get(Integer.parseInt(step.substring(step.indexOf('[') + 1, step.length() - 1)));
        }
        return parent.has(step) ? parent.get(step) : ((ObjectNode) parent).putObject(step);
    }

    private static void set(JsonNode parent, String step, JsonNode value) {
        if (step.endsWith("]")) {
            ArrayNode list = (ArrayNode) parent.get(step.substring(0, step.indexOf('[')));
            list.set(Integer.parseInt(step.substring(step.indexOf('[') + 1, step.length() - 1)), value);
        } else if (value == null) {
            ((ObjectNode) parent).remove(step);
        } else {
            ((ObjectNode) parent).set(step, value);
        }
    }
}
