package io.sdtune.gateway.adapter;

import io.sdtune.contracts.validation.Syntax;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.diffusion.weights.TextualInversionFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Textual Inversion embedding rewritten from diffusers' layout ({@code {token: [n, hidden]}}) or AUTOMATIC1111's
 * ({@code {"emb_params": [n, hidden]}}, named after its file) into diffusers' {@code learned_embeds.safetensors}, the
 * file the trainer writes and the generator reads: one tensor, named by its token, float32.
 */
final class EmbeddingFormats {
    private EmbeddingFormats() {
    }

    /**
     * Reads the upload {@code in}, whose file name was {@code name}, checks it against {@code textEncoder} and writes
     * it to {@code out} under {@code token}, or under its own token when that is null (the key of a diffusers file,
     * the file name's stem for AUTOMATIC1111's, as TextualInversionFile reads them).
     *
     * @return the tokens a prompt calls it with: {@code <t>}, and {@code <t>_1} ... for more vectors, as diffusers
     *         registers them and the trainer announces them
     * @throws RefusedFile for a file that holds no single embedding, one of the wrong width, or whose own token is not
     *         one a prompt can name
     */
    static List<String> convert(Path in, String name, String token, ClipTextConfig textEncoder, Path out)
            throws RefusedFile, IOException {
        // TextualInversionFile names an A1111 embedding after its file: read it under the name it was uploaded with.
        Path named = Files.createTempDirectory(out.getParent(), "upload-").resolve(fileName(name));
        Files.copy(in, named);
        TextualInversionFile embedding;
        try {
            embedding = TextualInversionFile.read(named).requireFits(textEncoder);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new RefusedFile(e.getMessage().replace(named.toString(), name));
        } finally {
            Files.delete(named);
            Files.delete(named.getParent());
        }
        if (token == null && !Syntax.TRIGGER_TOKEN.matches(embedding.token())) {
            throw new RefusedFile(name + ": its token '" + embedding.token() + "' (" + (embedding.token().equals(stem(name))
                    ? "its file name" : "its key") + ") is not one a prompt can name (" + Syntax.TRIGGER_TOKEN.description()
                    + "): give trigger_tokens");
        }
        TextualInversionFile renamed = new TextualInversionFile(token == null ? embedding.token() : token,
                embedding.vectors());
        SafeTensors.write(out, Map.of(renamed.token(), renamed.vectors()), Map.of("format", "pt"));
        return renamed.tokens();
    }

    /** The upload's name as a file name in a folder of its own: a name no file can have is replaced. */
    private static String fileName(String name) {
        return name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0
                || name.getBytes(StandardCharsets.UTF_8).length > 255 ? "embedding.safetensors" : name;
    }

    private static String stem(String name) {
        return name.replaceFirst("\\.safetensors$", "");
    }
}
