package io.sdtune.storage;

import java.util.regex.Pattern;

/**
 * Validation of the names that become object keys, and the keys that are not artifact files.
 *
 * <p>An id is one path segment of letters, digits, '.', '_' and '-', starting with a letter or digit, at
 * most 128 characters, never containing "..": it can neither climb out of its prefix nor reach into another
 * id's, in the bucket or in a cache directory named after it. A relative path inside an artifact is one or
 * more such segments joined by '/' (a diffusers folder has {@code unet/config.json}).
 */
public final class ObjectKeys {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** The prefix of the tenants' prefixes. */
    public static final String TENANTS = "tenants/";

    private ObjectKeys() {}

    /** {@code tenants/<tenant>/}: everything of one tenant, its shelves and its images. */
    public static String tenant(String tenant) {
        return TENANTS + id("tenant", tenant) + "/";
    }

    /**
     * {@code runs/<kind>/<workId>/}: the runs of one piece of work (a training job, a generation request) that
     * started and have not ended (storage's {@link Runs}).
     */
    public static String runs(String kind, String workId) {
        return "runs/" + id("kind of work", kind) + "/" + id("work id", workId) + "/";
    }

    /** {@code runs/<kind>/<workId>/<runId>}: the marker of one run. */
    public static String run(String kind, String workId, String runId) {
        return runs(kind, workId) + id("run id", runId);
    }

    /** Returns {@code id} when it is one safe path segment, else says what is wrong with it. */
    public static String id(String what, String id) {
        if (!isId(id)) {
            throw new IllegalArgumentException(what + " must be 1-128 letters, digits, '.', '_' or '-', starting with"
                    + " a letter or digit, without '..', was " + quoted(id));
        }
        return id;
    }

    /** Whether {@code id} is one safe path segment, as {@link #id} requires. */
    public static boolean isId(String id) {
        return id != null && SEGMENT.matcher(id).matches() && !id.contains("..");
    }

    /** Returns {@code path} when it is safe segments joined by '/', else says which segment is not. */
    public static String relativePath(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("relative path must not be empty, was " + quoted(path));
        }
        for (String segment : path.split("/", -1)) {
            id("segment of relative path " + quoted(path), segment);
        }
        return path;
    }

    private static String quoted(String s) {
        return s == null ? "null" : "'" + s + "'";
    }
}
