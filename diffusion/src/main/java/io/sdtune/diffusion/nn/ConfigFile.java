package io.sdtune.diffusion.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A model component's {@code config.json}, read with the defaults of the library that wrote it; a
 * value of the wrong type fails naming the file and the key.
 */
public final class ConfigFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final JsonNode root;

    private ConfigFile(String source, JsonNode root) {
        this.source = source;
        this.root = root;
    }

    public static ConfigFile read(Path file) {
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(file + ": expected a JSON object");
            }
            return new ConfigFile(file.toString(), root);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("missing model file " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A config given as JSON text (generated tiny models, tests); {@code source} names it in errors. */
    public static ConfigFile parse(String source, String json) {
        try {
            return new ConfigFile(source, JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    public boolean has(String key) {
        return root.hasNonNull(key);
    }

    public int integer(String key, int fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw error(key, "an integer", v);
        }
        return v.intValue();
    }

    public double number(String key, double fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw error(key, "a number", v);
        }
        return v.doubleValue();
    }

    public boolean bool(String key, boolean fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw error(key, "true or false", v);
        }
        return v.booleanValue();
    }

    public String string(String key, String fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw error(key, "a string", v);
        }
        return v.textValue();
    }

    public List<Integer> integers(String key, List<Integer> fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isArray()) {
            throw error(key, "a list of integers", v);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber()) {
                throw error(key, "a list of integers", v);
            }
            out.add(e.intValue());
        }
        return out;
    }

    /** An integer or a list with one integer per block (as {@code attention_head_dim}), expanded to {@code n}. */
    public List<Integer> integerPerBlock(String key, int n, int fallback) {
        JsonNode v = root.get(key);
        if (v != null && v.isArray()) {
            List<Integer> list = integers(key, List.of());
            if (list.size() != n) {
                throw error(key, n + " values (one per block)", v);
            }
            return list;
        }
        return Collections.nCopies(n, integer(key, fallback));
    }

    public List<String> strings(String key, List<String> fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isArray()) {
            throw error(key, "a list of strings", v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw error(key, "a list of strings", v);
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** An error about {@code key}'s value, naming this file. */
    public IllegalArgumentException error(String key, String expected, Object found) {
        return new IllegalArgumentException(source + ": " + key + " must be " + expected + ", found " + found);
    }
}
