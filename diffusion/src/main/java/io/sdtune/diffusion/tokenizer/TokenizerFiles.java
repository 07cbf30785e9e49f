package io.sdtune.diffusion.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.LineNumberReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The files of a tokenizer folder in the layout transformers saves (a diffusers model's
 * {@code tokenizer/}), from a directory or from the class path. Each reader checks what it reads; a
 * missing or malformed file fails with an {@link IllegalArgumentException} naming the file, and the
 * line or key where there is one.
 */
final class TokenizerFiles {
    private static final String VOCAB = "vocab.json";
    private static final String MERGES = "merges.txt";
    private static final String ADDED_TOKENS = "added_tokens.json";
    private static final String CONFIG = "tokenizer_config.json";

    /** Room for BOS and EOS. */
    private static final int MIN_LENGTH = 2;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Opens a file of the folder by name; null when the folder has no such file. */
    private interface Opener {
        InputStream open(String name) throws IOException;
    }

    /** Reads an open file; {@code where} names it in errors. */
    private interface Parser<T> {
        T parse(InputStream in, String where) throws IOException;
    }

    private final Opener opener;
    private final UnaryOperator<String> location;

    private TokenizerFiles(Opener opener, UnaryOperator<String> location) {
        this.opener = opener;
        this.location = location;
    }

    static TokenizerFiles inDirectory(Path dir) {
        return new TokenizerFiles(name -> {
            try {
                return Files.newInputStream(dir.resolve(name));
            } catch (NoSuchFileException e) {
                return null;
            }
        }, name -> dir.resolve(name).toString());
    }

    /** The folder {@code folder} beside {@code anchor}'s class file. */
    static TokenizerFiles onClassPath(Class<?> anchor, String folder) {
        String path = anchor.getPackageName().replace('.', '/') + "/" + folder + "/";
        return new TokenizerFiles(name -> anchor.getResourceAsStream(folder + "/" + name),
                name -> "class path resource " + path + name);
    }

    /** {@code vocab.json}: a JSON object of token to id, the ids 0 to size - 1 each given once. */
    Vocab vocab() {
        return require(VOCAB, (in, where) -> {
            JsonNode root = jsonObject(in, where, "a JSON object of token to id");
            String[] tokens = new String[root.size()];
            for (Map.Entry<String, JsonNode> entry : root.properties()) {
                String token = entry.getKey();
                int id = integer(entry.getValue(), 0, tokens.length - 1, where, "the id of \"" + token + "\"");
                if (tokens[id] != null) {
                    throw new IllegalArgumentException(where + ": id " + id + " is given to both \"" + tokens[id]
                            + "\" and \"" + token + "\"; expected each id from 0 to " + (tokens.length - 1)
                            + " once");
                }
                tokens[id] = token;
            }
            return new Vocab(Arrays.asList(tokens));
        });
    }

    /** {@code merges.txt}: a {@code #version} line, then one merge a line, highest priority first. */
    List<Merge> merges() {
        return require(MERGES, (in, where) -> {
            var reader = new LineNumberReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()));
            List<Merge> merges = new ArrayList<>();
            try {
                String header = reader.readLine();
                if (header == null || !header.startsWith("#version")) {
                    throw new IllegalArgumentException(where + " line 1: expected a \"#version\" header, found "
                            + (header == null ? "an empty file" : "\"" + header + "\""));
                }
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    // Blank lines (a trailing newline or two) hold no merge; transformers strips them too.
                    if (!line.isBlank()) {
                        merges.add(merge(line, where + " line " + reader.getLineNumber()));
                    }
                }
            } catch (CharacterCodingException e) {
                // No line number: the reader decodes ahead of the line it returns.
                throw new IllegalArgumentException(where + ": not valid UTF-8", e);
            }
            return merges;
        });
    }

    /**
     * {@code tokenizer_config.json} if the folder has one, with each key it lacks (or the whole file)
     * taken from {@link TokenizerConfig#CLIP_DEFAULTS}; every special token must be in {@code vocab}.
     */
    TokenizerConfig config(Vocab vocab) {
        Optional<TokenizerConfig> file = read(CONFIG, this::parseConfig);
        TokenizerConfig config = file.orElse(TokenizerConfig.CLIP_DEFAULTS);
        String source = file.isPresent() ? location.apply(CONFIG) : "CLIPTokenizer's defaults";
        config.specialTokens().forEach((key, token) -> {
            if (vocab.id(token).isEmpty()) {
                throw new IllegalArgumentException(source + ": " + key + " \"" + token + "\" is not a token of "
                        + location.apply(VOCAB));
            }
        });
        return config;
    }

    /**
     * {@code added_tokens.json} if the folder has one: token to id, the ids following the vocabulary's
     * without gaps, as transformers saves the tokens it added; in id order.
     */
    Map<String, Integer> addedTokens(Vocab vocab) {
        return read(ADDED_TOKENS, (in, where) -> {
            JsonNode root = jsonObject(in, where, "a JSON object of token to id");
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(root.properties());
            for (Map.Entry<String, JsonNode> entry : entries) {
                integer(entry.getValue(), 0, Integer.MAX_VALUE, where, "the id of \"" + entry.getKey() + "\"");
            }
            entries.sort(Comparator.comparingInt(entry -> entry.getValue().intValue()));
            Map<String, Integer> added = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : entries) {
                String token = entry.getKey();
                int id = entry.getValue().intValue();
                int expected = vocab.size() + added.size();
                if (token.isEmpty() || vocab.id(token).isPresent()) {
                    throw new IllegalArgumentException(where + ": \"" + token + "\" is "
                            + (token.isEmpty() ? "empty" : "already a token of " + location.apply(VOCAB)));
                }
                if (id != expected) {
                    throw new IllegalArgumentException(where + ": \"" + token + "\" has id " + id + ", expected "
                            + expected + ": added tokens take the ids after the vocabulary's " + vocab.size()
                            + ", without gaps");
                }
                added.put(token, id);
            }
            return added;
        }).orElse(Map.of());
    }

    private TokenizerConfig parseConfig(InputStream in, String where) throws IOException {
        JsonNode root = jsonObject(in, where, "a JSON object");
        TokenizerConfig defaults = TokenizerConfig.CLIP_DEFAULTS;
        JsonNode length = root.get("model_max_length");
        return new TokenizerConfig(
                length == null ? defaults.modelMaxLength()
                        : integer(length, MIN_LENGTH, Integer.MAX_VALUE, where, "model_max_length"),
                tokenName(root, "bos_token", defaults.bosToken(), where),
                tokenName(root, "eos_token", defaults.eosToken(), where),
                tokenName(root, "pad_token", defaults.padToken(), where),
                tokenName(root, "unk_token", defaults.unkToken(), where));
    }

    /** A special token, written as its text or as a serialized {@code AddedToken} with a {@code content}. */
    private static String tokenName(JsonNode root, String key, String fallback, String where) {
        JsonNode value = root.get(key);
        if (value == null) {
            return fallback;
        }
        JsonNode content = value.isObject() ? value.get("content") : value;
        if (content == null || !content.isTextual() || content.textValue().isEmpty()) {
            throw new IllegalArgumentException(where + ": " + key
                    + " must be a token or an object with a token as \"content\", found " + value);
        }
        return content.textValue();
    }

    private static Merge merge(String line, String where) {
        String[] symbols = line.split(" ", -1);
        if (symbols.length != 2 || symbols[0].isEmpty() || symbols[1].isEmpty()) {
            throw new IllegalArgumentException(where + ": expected two symbols separated by one space, found \""
                    + line + "\"");
        }
        return new Merge(symbols[0], symbols[1]);
    }

    private static int integer(JsonNode value, int min, int max, String where, String what) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min || value.intValue() > max) {
            throw new IllegalArgumentException(where + ": " + what + " must be an integer from " + min + " to " + max
                    + ", found " + value);
        }
        return value.intValue();
    }

    private static JsonNode jsonObject(InputStream in, String where, String expected) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(where + (at == null ? "" : " line " + at.getLineNr()
                    + " column " + at.getColumnNr()) + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new IllegalArgumentException(where + ": expected " + expected + ", found an empty file");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(where + ": expected " + expected + ", found a JSON "
                    + root.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return root;
    }

    private <T> T require(String name, Parser<T> parser) {
        return read(name, parser).orElseThrow(() ->
                new IllegalArgumentException("missing tokenizer file " + location.apply(name)));
    }

    private <T> Optional<T> read(String name, Parser<T> parser) {
        String where = location.apply(name);
        try (InputStream in = opener.open(name)) {
            return in == null ? Optional.empty() : Optional.of(parser.parse(in, where));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + where + ": " + e.getMessage(), e);
        }
    }
}
