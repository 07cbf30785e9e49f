package io.sdtune.diffusion.image;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * 8-bit RGB PNG files with text chunks. Generated images carry their generation parameters in a
 * {@code tEXt} chunk named {@code parameters}, in AUTOMATIC1111's format, so that tools which read
 * those (A1111's "PNG Info", ComfyUI, civitai) show how an image was made.
 */
public final class Png {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private Png() {
    }

    /** Writes {@code rgb} (row-major, 3 bytes a pixel) atomically, with one {@code tEXt} chunk per entry. */
    public static void write(Path file, int width, int height, byte[] rgb, Map<String, String> text) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException(rgb.length + " bytes for a " + width + "x" + height + " RGB image");
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(SIGNATURE);
            ByteBuffer header = ByteBuffer.allocate(13).putInt(width).putInt(height);
            header.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
            chunk(bytes, "IHDR", header.array());
            for (Map.Entry<String, String> e : text.entrySet()) {
                chunk(bytes, "tEXt", (e.getKey() + '\0' + e.getValue()).getBytes(StandardCharsets.ISO_8859_1));
            }
            chunk(bytes, "IDAT", compress(width, height, rgb));
            chunk(bytes, "IEND", new byte[0]);
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
            Files.write(tmp, bytes.toByteArray());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The {@code tEXt} chunks of a PNG file, in file order. */
    public static Map<String, String> readText(Path file) {
        try {
            return readText(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The {@code tEXt} chunks of a PNG's bytes, in file order; {@code source} names them in errors.
     *
     * @throws IllegalArgumentException when the bytes are not a PNG or a chunk is cut short
     */
    public static Map<String, String> readText(byte[] png, String source) {
        ByteBuffer b = ByteBuffer.wrap(png);
        for (byte s : SIGNATURE) {
            if (!b.hasRemaining() || b.get() != s) {
                throw new IllegalArgumentException(source + " is not a PNG file");
            }
        }
        Map<String, String> text = new LinkedHashMap<>();
        while (b.remaining() >= 12) {
            int length = b.getInt();
            if (length < 0 || length > b.remaining() - 8) {
                throw new IllegalArgumentException(source + ": a PNG chunk of " + length + " bytes is cut short");
            }
            byte[] type = new byte[4];
            b.get(type);
            byte[] data = new byte[length];
            b.get(data);
            b.getInt();
            String s = new String(data, StandardCharsets.ISO_8859_1);
            int nul = s.indexOf('\0');
            if (new String(type, StandardCharsets.US_ASCII).equals("tEXt") && nul > 0) {
                text.put(s.substring(0, nul), s.substring(nul + 1));
            }
        }
        return text;
    }

    /** Scanlines with filter type 0 (none), zlib-compressed. */
    private static byte[] compress(int width, int height, byte[] rgb) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out, new Deflater(6))) {
            for (int y = 0; y < height; y++) {
                z.write(0);
                z.write(rgb, y * width * 3, width * 3);
            }
        }
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }
}
