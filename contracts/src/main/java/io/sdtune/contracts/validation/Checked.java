package io.sdtune.contracts.validation;

/** A message or a part of one that knows its own rules. */
public interface Checked {

    /** Adds every problem of this value to {@code problems}, whose path leads to it. */
    void check(Problems problems);
}
