package io.sdtune.diffusion.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The short hashes AUTOMATIC1111's web UI writes into an image's parameters ({@code Lora hashes},
 * {@code TI hashes}) and looks adapters up by: the first 12 hex digits of a SHA-256. A LoRA in safetensors is
 * hashed over its tensor data only, the bytes after the header (kohya's "addnet" hash), unless its metadata carries
 * kohya's precomputed {@code sshs_model_hash}; an embedding over its whole file.
 */
public final class WebUiHashes {
    private static final int SHORT = 12;

    private WebUiHashes() {
    }

    public static String lora(Path file) {
        if (file.toString().endsWith(".safetensors")) {
            try (SafeTensors st = SafeTensors.open(file)) {
                String kohya = st.metadata().get("sshs_model_hash");
                if (kohya != null && kohya.length() >= SHORT) {
                    return kohya.substring(0, SHORT).toLowerCase(Locale.ROOT);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            return sha256(file, true).substring(0, SHORT);
        }
        return embedding(file);
    }

    public static String embedding(Path file) {
        return sha256(file, false).substring(0, SHORT);
    }

    /** SHA-256 of the file, or of what follows a safetensors header (an 8-byte little-endian length, then that many bytes). */
    private static String sha256(Path file, boolean afterHeader) {
        try (InputStream in = Files.newInputStream(file)) {
            if (afterHeader) {
                long headerLength = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
                in.skipNBytes(headerLength);
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream hashing = new DigestInputStream(in, digest)) {
                hashing.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
