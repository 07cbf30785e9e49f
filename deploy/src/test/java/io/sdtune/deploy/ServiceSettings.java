package io.sdtune.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configuration keys one service declares: its application.properties, and what its code and the shared modules
 * it runs (storage, messaging) read - @ConfigProperty names, and @ConfigMapping prefixes with their methods in
 * kebab-case. Read from the sources rather than a built jar, so the test needs no package step first.
 */
record ServiceSettings(String module, Properties properties, Set<String> keys) {
    private static final Pattern CONFIG_PROPERTY = Pattern.compile("@ConfigProperty\\(\\s*name\\s*=\\s*\"([^\"]+)\"");
    /** A key read through the Config API, as storage's StoreBeans.storeConfig reads the store's. */
    private static final Pattern CONFIG_LOOKUP = Pattern.compile("get(?:Optional)?Value\\(\\s*\"([^\"]+)\"");
    private static final Pattern CONFIG_MAPPING = Pattern.compile("@ConfigMapping\\(\\s*prefix\\s*=\\s*\"([^\"]+)\"");
    /** A mapping interface's getter: no parameters, no body. */
    private static final Pattern GETTER = Pattern.compile("^\\s+[\\w.<>, ?\\[\\]]+\\s+(\\w+)\\(\\);", Pattern.MULTILINE);
    private static final List<String> SHARED = List.of("storage", "messaging");

    static ServiceSettings of(Path home, String module) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(home.resolve(module).resolve("src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> keys = new TreeSet<>();
        for (String key : properties.stringPropertyNames()) {
            // %test.x is x in the test profile: the same setting.
            keys.add(key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key);
        }
        Stream.concat(Stream.of(module), SHARED.stream())
                .forEach(m -> keys.addAll(declaredIn(home.resolve(m).resolve("src/main/java"))));
        return new ServiceSettings(module, properties, keys);
    }

    /** What a command of a shared module reads (publish-model in storage): its code's keys, no properties file. */
    static ServiceSettings ofCommand(Path home, String module) {
        return new ServiceSettings(module, new Properties(), declaredIn(home.resolve(module).resolve("src/main/java")));
    }

    /** MicroProfile Config's environment name of a key: every non-alphanumeric an underscore, upper case. */
    static String environmentName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    /**
     * Whether the service reads {@code variable}: one of its keys by MicroProfile's rule, a Kafka client property
     * (SmallRye Kafka applies KAFKA_* as kafka.* to every channel), Quarkus' own, or the JVM's options.
     */
    boolean reads(String variable) {
        return variable.startsWith("KAFKA_") || variable.startsWith("QUARKUS_") || variable.equals("JAVA_TOOL_OPTIONS")
                || keys.stream().anyMatch(key -> environmentName(key).equals(variable));
    }

    String property(String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new AssertionError(module + "'s application.properties has no " + key);
        }
        return value;
    }

    private static Set<String> declaredIn(Path sources) {
        Set<String> keys = new TreeSet<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                CONFIG_PROPERTY.matcher(source).results().forEach(m -> keys.add(m.group(1)));
                CONFIG_LOOKUP.matcher(source).results().forEach(m -> keys.add(m.group(1)));
                Matcher mapping = CONFIG_MAPPING.matcher(source);
                if (mapping.find()) {
                    String prefix = mapping.group(1);
                    GETTER.matcher(source).results().forEach(m -> keys.add(prefix + "." + kebab(m.group(1))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }

    /** SmallRye Config's default naming of a mapping's method: apiKeysFile -> api-keys-file. */
    static String kebab(String method) {
        return method.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
