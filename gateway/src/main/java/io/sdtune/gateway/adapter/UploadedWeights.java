package io.sdtune.gateway.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An uploaded weights file is taken only as safetensors. A PyTorch pickle ({@code .pt}, {@code .pth}, {@code .ckpt},
 * {@code .bin}) is refused without being read: unpickling runs whatever code the file holds, and nothing in this
 * project reads one (the engine refuses them too). Both the name and the bytes are looked at - a pickle renamed
 * {@code .safetensors} is still one; the full safetensors header is checked when the file is read.
 */
final class UploadedWeights {
    private static final List<String> PICKLE_EXTENSIONS = List.of(".pt", ".pth", ".ckpt", ".bin", ".pkl");
    private static final byte[] ZIP = {'P', 'K', 3, 4};
    /** Pickle's PROTO opcode and a protocol (2 to 5): how every pickle since protocol 2 starts (torch.save's legacy format). */
    private static final int PICKLE_PROTO = 0x80;

    private UploadedWeights() {
    }

    /** The file's name as the client gave it, without any folder a browser or client put before it. */
    static String baseName(String fileName) {
        String name = fileName == null ? "" : fileName;
        return name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    }

    /** @throws RefusedFile for a pickle, by its name or its bytes, or bytes that do not start as safetensors do */
    static void requireSafetensors(Path file, String name) throws RefusedFile, IOException {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String extension : PICKLE_EXTENSIONS) {
            if (lower.endsWith(extension)) {
                throw pickle(name, "a PyTorch pickle (" + extension + ")");
            }
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(Long.BYTES + 1);
        }
        // safetensors: the header's length as a little-endian u64, then the header, a JSON object. Looked at first:
        // a length's low byte may be 0x80, as a pickle's first byte is.
        if (head.length == Long.BYTES + 1 && head[Long.BYTES] == '{'
                && ByteBuffer.wrap(head, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong() >= 2) {
            return;
        }
        boolean zip = head.length >= ZIP.length && Arrays.equals(head, 0, ZIP.length, ZIP, 0, ZIP.length);
        if (zip || head.length >= 2 && (head[0] & 0xff) == PICKLE_PROTO && head[1] >= 2 && head[1] <= 5) {
            throw pickle(name, "a PyTorch pickle by its bytes (torch.save's " + (zip ? "zip" : "legacy") + " format)");
        }
        throw new RefusedFile(name + " is not a safetensors file (it does not start with a header length and a JSON "
                + "header)");
    }

    private static RefusedFile pickle(String name, String what) {
        return new RefusedFile(name + " is " + what + ": loading a pickle can run any code it holds, so only "
                + "safetensors files are imported; convert it to .safetensors with a tool you trust, then upload that");
    }
}
