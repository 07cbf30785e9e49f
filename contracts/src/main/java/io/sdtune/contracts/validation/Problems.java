package io.sdtune.contracts.validation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Collects everything wrong with one message, so that a sender learns all of it at once. Each problem
 * names its field by its path on the wire ({@code hyper_parameters.learning_rate}, {@code images[2].sha256})
 * and says what was expected and what was found. A check on an absent (null) value passes: absence is
 * the business of {@link #required}.
 */
public final class Problems {
    private final List<String> found;
    private final String path;

    public Problems() {
        this(new ArrayList<>(), "");
    }

    private Problems(List<String> found, String path) {
        this.found = found;
        this.path = path;
    }

    /** The problems of the object in {@code field}, reported under its path. */
    public Problems at(String field) {
        return new Problems(found, path + field + ".");
    }

    /** Records that {@code field} {@code problem}, e.g. ("rank", "applies to LORA only"). */
    public void add(String field, String problem) {
        found.add(path + field + " " + problem);
    }

    /** False, with a problem, when {@code value} is absent. */
    public boolean required(String field, Object value) {
        if (value == null) {
            add(field, "is required");
        }
        return value != null;
    }

    /** A problem when {@code value} is present: fields that belong to another method or mode. */
    public void absent(String field, Object value, String because) {
        if (value != null) {
            add(field, because);
        }
    }

    public void in(String field, Number value, Range range) {
        if (value != null && !range.contains(value.doubleValue())) {
            add(field, "must be " + range + ", got " + Range.format(value.doubleValue()));
        }
    }

    /** {@link #required(String, Object)} and {@link #in} at once. */
    public void required(String field, Number value, Range range) {
        required(field, value);
        in(field, value, range);
    }

    /** {@link #required(String, Object)} and {@link #matches} at once. */
    public void required(String field, String value, Syntax syntax) {
        required(field, value);
        matches(field, value, syntax);
    }

    public void oneOf(String field, String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            add(field, "must be one of " + String.join(", ", allowed) + ", got " + quoted(value));
        }
    }

    /**
     * A problem when {@code value} exceeds {@code bound}, the value of {@code boundField}; skipped when either
     * is absent, or when {@code bound} is outside {@code boundRange} (it has its own problem then).
     */
    public void notAbove(String field, Number value, String boundField, Number bound, Range boundRange) {
        if (value != null && bound != null && boundRange.contains(bound.doubleValue())
                && value.doubleValue() > bound.doubleValue()) {
            add(field, "must not exceed " + boundField + " (" + bound + "), got " + value);
        }
    }

    public void multipleOf(String field, Integer value, int factor) {
        if (value != null && value % factor != 0) {
            add(field, "must be a multiple of " + factor + ", got " + value);
        }
    }

    public void matches(String field, String value, Syntax syntax) {
        if (value != null && !syntax.matches(value)) {
            add(field, "must be " + syntax.description() + ", got " + quoted(value));
        }
    }

    /**
     * Text a person wrote (prompts, reasons): at most {@code maxChars} characters (code points, as a user
     * counts them), no control characters but line breaks and tabs, and not blank unless {@code mayBeEmpty}.
     */
    public void text(String field, String value, int maxChars, boolean mayBeEmpty) {
        if (value == null) {
            return;
        }
        if (!mayBeEmpty && value.isBlank()) {
            add(field, "must not be empty");
        }
        int chars = value.codePointCount(0, value.length());
        if (chars > maxChars) {
            add(field, "is longer than " + maxChars + " characters (" + chars + ")");
        }
        value.codePoints().filter(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t').findFirst()
                .ifPresent(c -> add(field, "contains the control character U+" + String.format("%04X", c)));
    }

    /** A list of a number of parts in {@code count}, each checked, no two with the same {@code identity}. */
    public <T extends Checked> void elements(String field, List<T> values, Range count, Function<T, ?> identity) {
        eachElement(field, values, count, identity, (name, value) -> value.check(at(name)));
    }

    /** A list of a number of strings in {@code count}, each of {@code syntax}, no two alike. */
    public void elements(String field, List<String> values, Range count, Syntax syntax) {
        eachElement(field, values, count, value -> value, (name, value) -> matches(name, value, syntax));
    }

    private <T> void eachElement(String field, List<T> values, Range count, Function<T, ?> identity,
            BiConsumer<String, T> check) {
        if (values == null) {
            return;
        }
        if (!count.contains(values.size())) {
            add(field, "must have " + count + " entries, got " + values.size());
        }
        Set<Object> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String name = field + "[" + i + "]";
            T value = values.get(i);
            if (value == null) {
                add(name, "is required");
                continue;
            }
            Object id = identity.apply(value);
            if (id != null && !seen.add(id)) {
                add(name, "repeats " + quoted(id.toString()));
            }
            check.accept(name, value);
        }
    }

    public boolean isEmpty() {
        return found.isEmpty();
    }

    public List<String> all() {
        return List.copyOf(found);
    }

    /** A value as it is shown in a message: quoted, and cut if long. */
    static String quoted(String value) {
        return "'" + (value.length() > 80 ? value.substring(0, 77) + "..." : value) + "'";
    }
}
