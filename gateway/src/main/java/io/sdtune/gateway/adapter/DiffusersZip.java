package io.sdtune.gateway.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A model folder as a zip streamed to a response, every entry under {@code <top>/} so that unzipping gives the
 * folder. Weights ({@code .safetensors}) are stored at deflate level 0: float tensors shrink by a few percent for
 * seconds of CPU per GB; configs and the tokenizer's files are deflated. The zip's length is known only once
 * written, so the response has none (chunked). Zip64 comes in where an entry passes 4 GB (java.util.zip's own).
 */
final class DiffusersZip implements AutoCloseable {
    private final String top;
    private final Map<String, InputStream> files;

    private DiffusersZip(String top, Map<String, InputStream> files) {
        this.top = top;
        this.files = files;
    }

    /**
     * Opens the files {@code names} (paths inside {@code folder}) now: the folder is an entry of a cache that other
     * downloads may evict while this one streams, and an open file stays readable after its name is gone.
     */
    static DiffusersZip open(Path folder, String top, List<String> names) throws IOException {
        Map<String, InputStream> files = new LinkedHashMap<>();
        try {
            for (String name : names.stream().sorted().toList()) {
                files.put(name, Files.newInputStream(folder.resolve(name)));
            }
        } catch (IOException | RuntimeException e) {
            new DiffusersZip(top, files).close();
            throw e;
        }
        return new DiffusersZip(top, files);
    }

    /** Writes the zip to {@code out} and closes the files; {@code out} is finished, not closed. */
    void writeTo(OutputStream out) throws IOException {
        try {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, InputStream> file : files.entrySet()) {
                zip.setLevel(file.getKey().endsWith(".safetensors") ? Deflater.NO_COMPRESSION : Deflater.DEFAULT_COMPRESSION);
                zip.putNextEntry(new ZipEntry(top + "/" + file.getKey()));
                file.getValue().transferTo(zip);
                zip.closeEntry();
            }
            zip.finish();
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        IOException failed = null;
        for (InputStream in : files.values()) {
            try {
                in.close();
            } catch (IOException e) {
                failed = e;
            }
        }
        if (failed != null) {
            throw new UncheckedIOException(failed);
        }
    }
}
