package io.sdtune.gateway.adapter;

import java.io.IOException;
import java.io.OutputStream;
import java.util.OptionalLong;

/**
 * A file ready to be sent: the name it is saved as, its media type, its length when known before the first byte
 * (all but a zip), and the body, which releases what it holds (open files, temporary files) once written, or failed.
 */
public record Download(String fileName, String mediaType, OptionalLong length, Body body) {
    public static final String SAFETENSORS = "application/octet-stream";

    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }
}
