package io.sdtune.contracts.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.MessageType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Messages to and from UTF-8 JSON, field names in snake_case, {@code schema_version} first. Reading is
 * strict, because a lenient reader turns a sender's typo into a silent default: unknown fields, duplicate
 * fields, a string for a number, a fraction for an integer, a number for an enum are all refused. Whatever
 * is wrong with the input, the one exception is {@link InvalidMessageException}, in words for the sender.
 * Thread-safe.
 */
public final class JsonCodec {
    private static final String SCHEMA_VERSION = "schema_version";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, text -> {
                for (CoercionInputShape scalar : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                        CoercionInputShape.Boolean)) {
                    text.setCoercion(scalar, CoercionAction.Fail);
                }
            })
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .build();

    private JsonCodec() {
    }

    /** The message as JSON; an invalid message is refused with all its problems, never written. */
    public static byte[] encode(Message message) {
        message.validate();
        ObjectNode json = MAPPER.createObjectNode().put(SCHEMA_VERSION, MessageType.of(message.getClass()).schemaVersion());
        json.setAll((ObjectNode) MAPPER.valueToTree(message));
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a JSON tree: " + e.getMessage(), e);
        }
    }

    /** The {@code type} message in {@code json}, checked: its version, its shape, then every rule of its fields. */
    public static <T extends Message> T decode(byte[] json, Class<T> type) {
        MessageType messageType = MessageType.of(type);
        ObjectNode fields = fieldsOf(json, messageType);
        T message;
        try {
            message = MAPPER.treeToValue(fields, type);
        } catch (JacksonException e) {
            throw new InvalidMessageException(messageType.name(), List.of(ReadFailures.explain(e, fields)), e);
        }
        message.validate();
        return message;
    }

    /** The message's fields once its schema version is found to be the one this reader knows. */
    private static ObjectNode fieldsOf(byte[] json, MessageType type) {
        if (json == null || json.length == 0) {
            throw invalid(type, "the message is empty");
        }
        JsonNode tree;
        try (JsonParser parser = MAPPER.createParser(json)) {
            tree = MAPPER.readTree(parser);
            if (tree != null && parser.nextToken() != null) {
                throw invalid(type, "not valid JSON at " + ReadFailures.where(parser.currentTokenLocation())
                        + ": more follows the message");
            }
        } catch (IOException e) {
            throw new InvalidMessageException(type.name(), List.of(ReadFailures.notJson(e)), e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw invalid(type, "the message is empty");
        }
        if (!tree.isObject()) {
            throw invalid(type, "must be a JSON object, got " + ReadFailures.describe(tree));
        }
        ObjectNode fields = (ObjectNode) tree;
        JsonNode version = fields.remove(SCHEMA_VERSION);
        String known = "this reader knows version " + type.schemaVersion() + " of the " + type.name();
        if (version == null || version.isNull()) {
            throw invalid(type, SCHEMA_VERSION + " is required (" + known + ")");
        }
        if (!version.isIntegralNumber() || !version.canConvertToInt()) {
            throw invalid(type, SCHEMA_VERSION + " must be an integer, got " + ReadFailures.describe(version));
        }
        if (!type.reads(version.intValue())) {
            throw invalid(type, "unknown " + SCHEMA_VERSION + " " + version.intValue() + ": " + known
                    + " (consumers are upgraded before producers)");
        }
        return fields;
    }

    private static InvalidMessageException invalid(MessageType type, String problem) {
        return new InvalidMessageException(type.name(), List.of(problem));
    }
}
