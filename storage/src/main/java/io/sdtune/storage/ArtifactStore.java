package io.sdtune.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Published artifacts: folders of files under a {@link Shelf} whose {@code manifest.json} is written last. An
 * artifact without its manifest does not exist: it is not listed, cannot be read, and a crashed publication
 * leaves nothing visible. Published artifacts are immutable; replacing one means deleting it first. The
 * manifest is written only where none is (a conditional write), so of two writers of one id exactly one
 * publishes, and on a {@link Shelf#contended() contended} shelf the other's files, in their own folder, never
 * touch the winner's.
 */
public final class ArtifactStore {
    private final ObjectStore objects;
    private final Clock clock;

    public ArtifactStore(ObjectStore objects, Clock clock) {
        this.objects = objects;
        this.clock = clock;
    }

    public ArtifactStore(ObjectStore objects) {
        this(objects, Clock.systemUTC());
    }

    public ObjectStore objects() {
        return objects;
    }

    /**
     * Uploads every file, then the manifest that lists them with the SHA-256 computed on the way up. Fails with
     * {@link FileAlreadyExistsException} if the artifact is published, before this call or by another writer
     * during it; a publication that failed half-way can simply be run again.
     */
    public Manifest publish(ArtifactLocation at, String kind, List<ArtifactFile> files, Map<String, String> metadata)
            throws IOException {
        if (manifest(at).isPresent()) {
            throw alreadyPublished(at);
        }
        Set<String> paths = new HashSet<>();
        for (ArtifactFile file : files) {
            if (!paths.add(file.path())) {
                throw new IllegalArgumentException(at + " would get " + file.path() + " twice");
            }
        }
        String publication = at.shelf().contended() ? newPublication() : "";
        List<StoredFile> stored = new ArrayList<>();
        for (ArtifactFile file : files) {
            stored.add(objects.put(at.fileKey(publication, file.path()), file.content(), file.size()));
        }
        Manifest manifest = new Manifest(at.id(), kind, publication, stored, clock.instant(), metadata);
        try {
            objects.putIfAbsent(at.manifestKey(), ManifestJson.write(manifest));
        } catch (FileAlreadyExistsException e) {
            // Ours, if an answer was lost and the write tried again; else another writer's.
            if (!manifest(at).map(manifest::equals).orElse(false)) {
                throw alreadyPublished(at);
            }
        }
        return manifest;
    }

    private static FileAlreadyExistsException alreadyPublished(ArtifactLocation at) {
        return new FileAlreadyExistsException(at.manifestKey(), null,
                "already published; artifacts are immutable, delete " + at + " to replace it");
    }

    private static String newPublication() {
        return "p" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** The artifact's manifest, or empty while it is not (or no longer) published. */
    public Optional<Manifest> manifest(ArtifactLocation at) throws IOException {
        byte[] json;
        try (InputStream in = objects.open(at.manifestKey())) {
            json = in.readAllBytes();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Manifest manifest = ManifestJson.read(json, objects.bucket() + "/" + at.manifestKey());
        if (!manifest.id().equals(at.id())) {
            throw new IOException("manifest " + at.manifestKey() + " names id " + manifest.id() + ", not " + at.id());
        }
        for (StoredFile file : manifest.files()) {
            try {
                // Inside the artifact's publication, a safe path, not the manifest.
                at.fileKey(manifest.publication(), at.relativePath(manifest.publication(), file.key()));
            } catch (IllegalArgumentException e) {
                throw new IOException("manifest " + at.manifestKey() + " names a file that is not " + at + "'s: "
                        + e.getMessage(), e);
            }
        }
        return Optional.of(manifest);
    }

    /**
     * The ids of the published artifacts on {@code shelf} of {@code tenant} (null for a shared shelf), in order;
     * files without a manifest are not listed.
     */
    public List<String> ids(String tenant, Shelf shelf) throws IOException {
        return ids(tenant, shelf, "");
    }

    /** The same, of the ids that start with {@code idPrefix}: only their keys are listed. */
    public List<String> ids(String tenant, Shelf shelf, String idPrefix) throws IOException {
        List<String> ids = new ArrayList<>();
        String suffix = "/" + ArtifactLocation.MANIFEST;
        String prefix = shelf.prefix(tenant);
        for (String key : objects.list(prefix + idPrefix)) {
            String rest = key.substring(prefix.length());
            if (rest.endsWith(suffix) && rest.indexOf('/') == rest.length() - suffix.length()) {
                ids.add(rest.substring(0, rest.length() - suffix.length()));
            }
        }
        return ids;
    }

    /**
     * Unpublishes the artifact (the manifest goes first, so it vanishes at once), then deletes every file under
     * it, a losing writer's included.
     */
    public void delete(ArtifactLocation at) throws IOException {
        objects.delete(at.manifestKey());
        for (String key : objects.list(at.prefix())) {
            objects.delete(key);
        }
    }
}
