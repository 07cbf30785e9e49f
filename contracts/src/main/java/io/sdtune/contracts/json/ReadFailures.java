package io.sdtune.contracts.json;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Jackson's failures retold in the message's terms: the field by its path on the wire, what was expected
 * there, what was found. Jackson's own words are kept only for broken JSON, where they say what the
 * parser met, and next to the line and column.
 */
final class ReadFailures {
    private ReadFailures() {
    }

    /** Why the input is not JSON: where the parser stopped and what it met there. */
    static String notJson(IOException e) {
        if (e instanceof StreamReadException broken && broken.getLocation() != null) {
            return "not valid JSON at " + where(broken.getLocation()) + ": " + broken.getOriginalMessage();
        }
        return "not valid JSON: " + e.getMessage();
    }

    static String where(JsonLocation location) {
        return "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** Why {@code fields}, valid JSON, do not make the message. */
    static String explain(JacksonException e, JsonNode fields) {
        if (!(e instanceof JsonMappingException mapping)) {
            return "could not be read: " + e.getOriginalMessage();
        }
        String field = path(mapping.getPath());
        if (e instanceof UnrecognizedPropertyException unknown) {
            return "unknown field " + field + suggestion(String.valueOf(unknown.getPropertyName()),
                    unknown.getKnownPropertyIds());
        }
        if (e instanceof InvalidTypeIdException type) {
            String name = field.isEmpty() ? "type" : field + ".type";
            String expected = "one of " + subtypeNames(type.getBaseType().getRawClass());
            return type.getTypeId() == null ? name + " is required, " + expected
                    : name + " must be " + expected + ", got '" + type.getTypeId() + "'";
        }
        JsonNode found = at(fields, mapping.getPath());
        if (found == null || found.isNull()) {
            return field + " is required";
        }
        Class<?> target = target(mapping);
        if (target == null) {
            return field + " could not be read: " + mapping.getOriginalMessage();
        }
        if (found.isIntegralNumber() && isInteger(target)) {
            return field + " is out of range, got " + found;
        }
        return field + " must be " + expected(target) + ", got " + describe(found);
    }

    /** A JSON value in a message: scalars as written (long text cut), containers by kind. */
    static String describe(JsonNode node) {
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "a list";
        }
        String text = node.toString();
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }

    /** The path as the wire spells it: hyper_parameters.learning_rate, images[2].sha256. */
    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : references) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static JsonNode at(JsonNode fields, List<JsonMappingException.Reference> references) {
        JsonNode node = fields;
        for (JsonMappingException.Reference r : references) {
            if (node == null) {
                return null;
            }
            node = r.getFieldName() != null ? node.get(r.getFieldName()) : r.getIndex() >= 0 ? node.get(r.getIndex()) : node;
        }
        return node;
    }

    private static Class<?> target(JsonMappingException e) {
        if (e instanceof MismatchedInputException m) {
            return m.getTargetType();
        }
        return e.getCause() instanceof InputCoercionException c ? c.getTargetType() : null;
    }

    private static boolean isInteger(Class<?> type) {
        return List.of(int.class, Integer.class, long.class, Long.class, short.class, Short.class).contains(type);
    }

    private static String expected(Class<?> type) {
        if (isInteger(type)) {
            return "an integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
        }
        return Collection.class.isAssignableFrom(type) ? "a list" : "an object";
    }

    private static String subtypeNames(Class<?> base) {
        return Arrays.stream(base.getAnnotation(JsonSubTypes.class).value()).map(JsonSubTypes.Type::name)
                .collect(Collectors.joining(", "));
    }

    /** " (did you mean x?)" for the known name within a couple of typos of {@code name}, else "". */
    private static String suggestion(String name, Collection<Object> known) {
        return known == null ? "" : known.stream().map(String::valueOf)
                .filter(k -> distance(name, k) <= Math.max(2, name.length() / 4))
                .min(Comparator.comparingInt(k -> distance(name, k)))
                .map(k -> " (did you mean " + k + "?)")
                .orElse("");
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
