package io.sdtune.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tenant's images, {@code tenants/<tenant>/images/<setId>/<n>.png}: a set is the images of one generation request
 * (its request id) or of one validation round of a training job ({@link #validationSet}). PNGs are not artifacts:
 * each is complete when its put returns, and a set is read by its number of images.
 */
public final class ImageShelf {
    private static final String IMAGES = "images/";
    private static final String PNG = ".png";
    private static final String VALIDATION = ".validation-";
    private static final Pattern IMAGE_KEY = Pattern.compile("tenants/([^/]+)/images/([^/]+)/([0-9]+)\\.png");

    private final ObjectStore objects;

    public ImageShelf(ObjectStore objects) {
        this.objects = objects;
    }

    /** {@code tenants/<tenant>/images/<setId>/}. */
    public static String folder(String tenant, String setId) {
        return ObjectKeys.tenant(tenant) + IMAGES + ObjectKeys.id("image set id", setId) + "/";
    }

    /** {@code tenants/<tenant>/images/<setId>/<n>.png}: the n-th image of the set. */
    public static String key(String tenant, String setId, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("image number must be 0 or more, was " + n);
        }
        return folder(tenant, setId) + n + PNG;
    }

    /** The set of the validation images a training job drew after {@code step}. */
    public static String validationSet(String jobId, int step) {
        return jobId + VALIDATION + step;
    }

    /** Whether the set holds a training job's validation images, rather than a generation's. */
    public static boolean isValidationSet(String setId) {
        return setId.contains(VALIDATION);
    }

    /** {@code <setId>/<n>.png}: where {@code key}, an image of any tenant, lies on its tenant's shelf. */
    public static String pathOf(String key) {
        Matcher m = IMAGE_KEY.matcher(key);
        if (!m.matches() || !ObjectKeys.isId(m.group(1)) || !ObjectKeys.isId(m.group(2))) {
            throw new IllegalArgumentException("not the key of an image: " + key);
        }
        return m.group(2) + "/" + m.group(3) + PNG;
    }

    public StoredFile put(String tenant, String setId, int n, byte[] png) throws IOException {
        return objects.put(key(tenant, setId, n), png);
    }

    /** The image's bytes; {@link java.nio.file.NoSuchFileException} when it is not stored. */
    public InputStream open(String tenant, String setId, int n) throws IOException {
        return objects.open(key(tenant, setId, n));
    }

    /** The set's images, described, when all {@code count} are stored (a replayed request); empty otherwise. */
    public Optional<List<StoredFile>> existing(String tenant, String setId, int count) throws IOException {
        Set<String> stored = Set.copyOf(objects.list(folder(tenant, setId)));
        List<StoredFile> found = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String key = key(tenant, setId, n);
            if (!stored.contains(key)) {
                return Optional.empty();
            }
            found.add(describe(key));
        }
        return Optional.of(found);
    }

    /** Deletes every image of the set; a set that is not there is no error. */
    public void delete(String tenant, String setId) throws IOException {
        for (String key : objects.list(folder(tenant, setId))) {
            objects.delete(key);
        }
    }

    private StoredFile describe(String key) throws IOException {
        try (DigestInputStream in = new DigestInputStream(objects.open(key), MessageDigest.getInstance("SHA-256"))) {
            long size = in.transferTo(OutputStream.nullOutputStream());
            return new StoredFile(key, HexFormat.of().formatHex(in.getMessageDigest().digest()), size);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
