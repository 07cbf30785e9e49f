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

    private ObjectKeys() {}

    /** {@code images/<requestId>/<n>.png}: the n-th image of a generation request. */
    public static String image(String requestId, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("image number must be 0 or more, was " + n);
        }
        return "images/" + id("request id", requestId) + "/" + n + ".png";
    }

    /**
     * {@code jobs/<jobId>/starts/}: the runs of a training job that started and have not ended; a trainer that
     * dies leaves its run's marker there.
     */
    public static String jobStarts(String jobId) {
        return "jobs/" + id("job id", jobId) + "/starts/";
    }

    /** {@code jobs/<jobId>/starts/<startId>}: the marker of one run of a training job. */
    public static String jobStart(String jobId, String startId) {
        return jobStarts(jobId) + id("start id", startId);
    }

    /** Returns {@code id} when it is one safe path segment, else says what is wrong with it. */
    public static String id(String what, String id) {
        if (id == null || !SEGMENT.matcher(id).matches() || id.contains("..")) {
            throw new IllegalArgumentException(what + " must be 1-128 letters, digits, '.', '_' or '-', starting with"
                    + " a letter or digit, without '..', was " + quoted(id));
        }
        return id;
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
