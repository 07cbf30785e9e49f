package io.sdtune.contracts;

import io.sdtune.contracts.validation.Checked;
import io.sdtune.contracts.validation.Problems;

/** A record published on one of the {@link Topics}; every implementation carries a {@link SchemaVersion}. */
public interface Message extends Checked {

    /** The Kafka record key this message is published under (each topic's key is named in {@link Topics}). */
    String key();

    /** Throws an {@link InvalidMessageException} listing every problem of this message, if it has any. */
    default void validate() {
        Problems problems = new Problems();
        check(problems);
        if (!problems.isEmpty()) {
            throw new InvalidMessageException(MessageType.of(getClass()).name(), problems.all());
        }
    }
}
