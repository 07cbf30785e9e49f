package io.sdtune.contracts;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The version of a message's schema, written as {@code schema_version} into every encoded message and
 * checked when one is decoded. Any change to the message's fields bumps it (see README: readers are
 * deployed before writers).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SchemaVersion {
    int value();

    /**
     * Older versions whose records read as this one, because this one only added optional fields: a topic that
     * keeps old records (the gateway replays training.events from the start) stays readable after the bump.
     */
    int[] alsoReads() default {};
}
