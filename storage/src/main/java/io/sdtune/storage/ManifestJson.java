package io.sdtune.storage;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/**
 * {@code manifest.json}: the manifest record as JSON, times as ISO-8601 strings, metadata in key order so that
 * one manifest is always the same bytes. Unknown fields are ignored, so that a newer writer's manifest stays
 * readable by an older reader during a rolling upgrade.
 */
public final class ManifestJson {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private ManifestJson() {}

    public static byte[] write(Manifest manifest) {
        try {
            return MAPPER.writeValueAsBytes(manifest);
        } catch (JacksonException e) {
            throw new IllegalStateException("a manifest record always serializes: " + manifest, e);
        }
    }

    /** Parses {@code json}; a malformed or invalid manifest is an error naming {@code source}. */
    public static Manifest read(byte[] json, String source) throws IOException {
        try {
            return MAPPER.readValue(json, Manifest.class);
        } catch (JacksonException e) {
            throw new IOException("manifest " + source + " is not valid: " + e.getMessage(), e);
        }
    }
}
