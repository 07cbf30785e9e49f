package io.sdtune.contracts.validation;

import java.util.regex.Pattern;

/** The shapes a string field may take, each with the words that explain it to whoever sent it. */
public enum Syntax {
    /**
     * Job, request, dataset, adapter and base model ids. They become folder names in object keys
     * ({@code adapters/<adapterId>/...}) and in local caches, so: no '/', nothing a file system or S3 treats
     * specially, and lower case so that two ids never collide on a case-insensitive disk. A UUID fits.
     */
    ID("[a-z0-9][a-z0-9._-]{0,63}",
            "1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"),
    /**
     * An object-store key: '/'-separated names of S3's safe characters, within S3's 1024; no name starts
     * with '.', which rules out "." and ".." and hidden files.
     */
    OBJECT_KEY("(?=.{1,1024}$)[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*",
            "a path of at most 1024 characters: '/'-separated names of letters, digits, '.', '_' or '-', none starting with '.'"),
    /** Kafka's own rule for topic names. */
    TOPIC("[A-Za-z0-9._-]{1,249}", "1 to 249 letters, digits, '.', '_' or '-'"),
    SHA256("[0-9a-f]{64}", "64 lower-case hexadecimal digits"),
    /**
     * Textual Inversion's new token. The tokenizer matches it case-sensitively while it lower-cases the rest
     * of a prompt, so it is lower case to be typed the way it is stored; the angle brackets keep it apart
     * from every word CLIP already knows.
     */
    PLACEHOLDER_TOKEN("<[a-z0-9][a-z0-9_-]{0,29}>",
            "<name>, a name of 1 to 30 lower-case letters, digits, '-' or '_' between angle brackets, e.g. <cat-toy>"),
    /** Textual Inversion's starting point: one word; whether it is one CLIP token is checked by the trainer. */
    INITIALIZER_TOKEN("[A-Za-z0-9]{1,32}", "one word of 1 to 32 letters or digits, e.g. toy"),
    /** What a prompt must contain to call an adapter up: a placeholder, "sks", a style word. */
    TRIGGER_TOKEN("[\\p{L}\\p{N}\\p{P}\\p{S}]{1,64}", "1 to 64 letters, digits, punctuation or symbols, without spaces");

    private final Pattern pattern;
    private final String description;

    Syntax(String regex, String description) {
        this.pattern = Pattern.compile(regex);
        this.description = description;
    }

    public boolean matches(String value) {
        return pattern.matcher(value).matches();
    }

    /** The rule in words, for messages and documentation. */
    public String description() {
        return description;
    }
}
