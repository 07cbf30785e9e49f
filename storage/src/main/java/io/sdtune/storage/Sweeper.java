package io.sdtune.storage;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Removes what the tenants' prefixes hold beyond its use: the files of publications that never finished (no
 * manifest names them: a writer died or lost a race) once they are older than a grace period that no publication
 * in progress outlasts, and images older than their retention. Deleting is idempotent, so several sweepers at
 * once (one per gateway instance) only delete the same objects. Base models are left alone.
 */
public final class Sweeper {
    private static final Logger LOG = Logger.getLogger(Sweeper.class.getName());

    /** How much was removed. */
    public record Swept(int objects, long bytes) {
        static final Swept NOTHING = new Swept(0, 0);

        Swept plus(ObjectStore.Listed object) {
            return new Swept(objects + 1, bytes + object.size());
        }
    }

    private final ArtifactStore artifacts;
    private final Clock clock;

    public Sweeper(ArtifactStore artifacts, Clock clock) {
        this.artifacts = artifacts;
        this.clock = clock;
    }

    /**
     * Deletes the files on the tenants' shelves that no manifest names and that were written more than
     * {@code grace} ago: a crashed publication's (no manifest at all) and a losing writer's (beside the winner's).
     */
    public Swept orphans(Duration grace) throws IOException {
        Instant before = clock.instant().minus(grace);
        Swept swept = Swept.NOTHING;
        for (Map.Entry<ArtifactLocation, List<ObjectStore.Listed>> artifact : artifacts().entrySet()) {
            Set<String> named = named(artifact.getKey());
            for (ObjectStore.Listed object : artifact.getValue()) {
                if (!named.contains(object.key()) && object.lastModified().isBefore(before)) {
                    artifacts.objects().delete(object.key());
                    swept = swept.plus(object);
                }
            }
        }
        return swept;
    }

    /**
     * Deletes the images older than their set's {@code maxAge} (by set id: a generation request's, or a training
     * job's validation round, {@link ImageShelf#validationSet}); a set without one is kept. One listing serves
     * every set.
     */
    public Swept images(Function<String, Optional<Duration>> maxAge) throws IOException {
        Instant now = clock.instant();
        Swept swept = Swept.NOTHING;
        for (ObjectStore.Listed object : artifacts.objects().listed(ObjectKeys.TENANTS)) {
            Optional<Duration> age = imageSet(object.key()).flatMap(maxAge);
            if (age.isPresent() && object.lastModified().isBefore(now.minus(age.get()))) {
                artifacts.objects().delete(object.key());
                swept = swept.plus(object);
            }
        }
        return swept;
    }

    /** The objects of every artifact on the tenants' shelves, by artifact. */
    private Map<ArtifactLocation, List<ObjectStore.Listed>> artifacts() throws IOException {
        Map<ArtifactLocation, List<ObjectStore.Listed>> found = new LinkedHashMap<>();
        for (ObjectStore.Listed object : artifacts.objects().listed(ObjectKeys.TENANTS)) {
            artifactOf(object.key()).ifPresent(at -> found.computeIfAbsent(at, k -> new ArrayList<>()).add(object));
        }
        return found;
    }

    /** The keys the artifact's manifest names, the manifest's own included; none when it has no manifest. */
    private Set<String> named(ArtifactLocation at) throws IOException {
        Set<String> named = new HashSet<>();
        try {
            artifacts.manifest(at).ifPresent(manifest -> {
                named.add(at.manifestKey());
                manifest.files().forEach(file -> named.add(file.key()));
            });
        } catch (StorageException e) {
            throw e;
        } catch (IOException e) {
            // A manifest that does not read is not a publication's to keep: a reader refuses it too.
            LOG.warning("sweeping " + at + ": its manifest does not read: " + e.getMessage());
        }
        return named;
    }

    /** {@code tenants/<tenant>/<shelf>/<id>/...} of a tenant's shelf, else empty. */
    private static Optional<ArtifactLocation> artifactOf(String key) {
        String[] parts = key.split("/", 5);
        if (parts.length < 5 || !ObjectKeys.isId(parts[1]) || !ObjectKeys.isId(parts[3])) {
            return Optional.empty();
        }
        for (Shelf shelf : Shelf.values()) {
            if (!shelf.shared() && shelf.prefix().equals(parts[2] + "/")) {
                return Optional.of(shelf.at(parts[1], parts[3]));
            }
        }
        return Optional.empty();
    }

    /** The set id of {@code tenants/<tenant>/images/<set>/<n>.png}, else empty. */
    private static Optional<String> imageSet(String key) {
        try {
            String path = ImageShelf.pathOf(key);
            return Optional.of(path.substring(0, path.indexOf('/')));
        } catch (IllegalArgumentException notAnImage) {
            return Optional.empty();
        }
    }
}
