package io.sdtune.contracts;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What the codec and the error messages need to know of a message class: the type that carries its
 * {@link SchemaVersion} (a sealed interface for its variants), that version, and a name for people.
 */
public record MessageType(Class<?> type, int schemaVersion, String name) {

    /** Whether a record written with {@code version} reads as this type's current version. */
    public boolean reads(int version) {
        return version == schemaVersion
                || Arrays.stream(type.getAnnotation(SchemaVersion.class).alsoReads()).anyMatch(v -> v == version);
    }

    public static MessageType of(Class<?> messageClass) {
        Class<?> type = Stream.concat(Stream.of(messageClass), Arrays.stream(messageClass.getInterfaces()))
                .filter(c -> c.isAnnotationPresent(SchemaVersion.class))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(messageClass.getName()
                        + " is not a message of the contracts: it has no @SchemaVersion"));
        return new MessageType(type, type.getAnnotation(SchemaVersion.class).value(),
                type.getSimpleName().replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(Locale.ROOT));
    }
}
