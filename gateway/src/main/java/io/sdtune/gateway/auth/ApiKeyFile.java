package io.sdtune.gateway.auth;

import io.sdtune.contracts.auth.ApiKeyFormat;
import io.sdtune.contracts.validation.Syntax;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys file ({@code sdtune.gateway.auth.api-keys-file}): one {@code TENANT KEY [admin]} a line, separated by
 * spaces or tabs; blank lines and lines starting with {@code #} are skipped. A bad line stops the gateway's start
 * with its number and what is wrong - never with the key. Each key is known by {@code file.} and the first 12 hex
 * digits of its SHA-256, which stay the same as long as the key does and give nothing of it away.
 */
final class ApiKeyFile {
    private static final String ADMIN = "admin";

    private ApiKeyFile() {
    }

    /** The file's keys by their SHA-256. */
    static Map<String, KnownKey> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API keys file " + file + " (sdtune.gateway.auth.api-keys-file): "
                    + e, e);
        }
        Map<String, KnownKey> keys = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            String problem = problem(fields);
            if (problem != null) {
                throw invalid(file, number, problem);
            }
            String sha256 = ApiKeyFormat.sha256(fields[1]);
            Integer earlier = lineOf.putIfAbsent(sha256, number);
            if (earlier != null) {
                throw invalid(file, number, "the same key as line " + earlier);
            }
            keys.put(sha256, new KnownKey("file." + sha256.substring(0, 12), fields[0], "line " + number + " of the keys file",
                    fields.length == 3, null));
        }
        return Map.copyOf(keys);
    }

    private static String problem(String[] fields) {
        if (fields.length < 2 || fields.length > 3) {
            return "expected TENANT KEY [admin], found " + fields.length + " field" + (fields.length == 1 ? "" : "s");
        }
        if (!Syntax.ID.matches(fields[0])) {
            // not echoed: a line with its fields swapped would show its key
            return "the tenant (the first field) must be " + Syntax.ID.description();
        }
        if (!ApiKeyFormat.wellFormed(fields[1])) {
            return "the key must be " + ApiKeyFormat.DESCRIPTION;
        }
        if (fields.length == 3 && !ADMIN.equals(fields[2])) {
            return "the third field may only be '" + ADMIN + "'";
        }
        return null;
    }

    private static IllegalArgumentException invalid(Path file, int line, String problem) {
        return new IllegalArgumentException("API keys file " + file + ", line " + line + ": " + problem);
    }
}
