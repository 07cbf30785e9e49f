package io.sdtune.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A local copy of published artifacts (base models, adapters), bounded by bytes, least recently used out first.
 *
 * <p>An entry is the folder {@code <root>/<shelf>/<id>/}: the artifact's files at their relative paths, and its
 * {@code manifest.json}. It is downloaded into {@code <root>/.partial/}, every file verified against the
 * manifest, and moved into place in one atomic rename, so an entry is either complete and verified or absent;
 * a corrupt download leaves nothing behind. Concurrent fetches of one artifact share a single download.
 *
 * <p>Each fetch reads the artifact's manifest from the store: a cached entry is used only while it matches, so
 * an artifact deleted and published again under the same id is fetched anew. The root belongs to one cache
 * in one process. A path returned by {@link #fetch} stays valid until other fetches push its entry out, so a
 * caller loads what it needs right away.
 */
public final class ArtifactCache {
    private static final String PARTIAL = ".partial";

    private final ArtifactStore store;
    private final Path root;
    private final Object lock = new Object();
    private final LeastRecentlyUsed<ArtifactLocation> recency;
    private final Map<ArtifactLocation, Manifest> entries = new HashMap<>();
    private final ConcurrentHashMap<ArtifactLocation, CompletableFuture<Path>> downloads = new ConcurrentHashMap<>();
    private long hits;
    private long downloaded;
    private long evictions;

    private ArtifactCache(ArtifactStore store, Path root, long maxBytes) {
        this.store = store;
        this.root = root;
        this.recency = new LeastRecentlyUsed<>(maxBytes);
    }

    /**
     * Opens the cache in {@code root}, keeping the complete entries a previous run left there (in their old order
     * of use, their files' sizes checked) and removing anything partial.
     */
    public static ArtifactCache open(ArtifactStore store, Path root, long maxBytes) throws IOException {
        ArtifactCache cache = new ArtifactCache(store, root, maxBytes);
        deleteTree(root.resolve(PARTIAL));
        Files.createDirectories(root.resolve(PARTIAL));
        cache.recover();
        return cache;
    }

    /** The local folder holding the artifact's verified files, downloaded if it is not here yet. */
    public Path fetch(ArtifactLocation at) throws IOException {
        Manifest manifest = store.manifest(at)
                .orElseThrow(() -> new NoSuchFileException(at.manifestKey(), null, "artifact " + at + " is not published"));
        while (true) {
            Path cached = lookup(at, manifest);
            if (cached != null) {
                return cached;
            }
            CompletableFuture<Path> mine = new CompletableFuture<>();
            CompletableFuture<Path> running = downloads.putIfAbsent(at, mine);
            if (running != null) {
                awaitOther(at, running);
                continue; // it may have fetched another version of the manifest: look again
            }
            try {
                // Looked up again: another download may have finished between the first look and putIfAbsent.
                Path path = lookup(at, manifest);
                if (path == null) {
                    path = download(at, manifest);
                }
                mine.complete(path);
                return path;
            } catch (IOException | RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                downloads.remove(at, mine);
            }
        }
    }

    public CacheStats stats() {
        synchronized (lock) {
            return new CacheStats(hits, downloaded, evictions, recency.size(), recency.bytes());
        }
    }

    /**
     * Removes the entries {@code which} selects, as when an artifact was deleted: their room is given back now
     * rather than when the bound pushes them out. A fetch of one under way is not interrupted.
     */
    public void evict(Predicate<ArtifactLocation> which) throws IOException {
        synchronized (lock) {
            for (ArtifactLocation at : List.copyOf(entries.keySet())) {
                if (which.test(at)) {
                    entries.remove(at);
                    recency.remove(at);
                    retire(entry(at));
                    evictions++;
                }
            }
        }
    }

    private Path entry(ArtifactLocation at) {
        return root.resolve(at.prefix());
    }

    private Path lookup(ArtifactLocation at, Manifest manifest) throws IOException {
        synchronized (lock) {
            if (!manifest.equals(entries.get(at))) {
                return null;
            }
            recency.touch(at);
            hits++;
            Path entry = entry(at);
            // The manifest's time records the order of use across restarts.
            Files.setLastModifiedTime(entry.resolve(ArtifactLocation.MANIFEST), FileTime.from(Instant.now()));
            return entry;
        }
    }

    private static void awaitOther(ArtifactLocation at, CompletableFuture<Path> running) throws IOException {
        try {
            running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the download of " + at);
        } catch (ExecutionException e) {
            throw new IOException("the download of " + at + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private Path download(ArtifactLocation at, Manifest manifest) throws IOException {
        Path partial = Files.createTempDirectory(root.resolve(PARTIAL), at.id() + "-");
        try {
            for (StoredFile file : manifest.files()) {
                store.objects().download(file, partial.resolve(at.relativePath(manifest.publication(), file.key())));
            }
            Files.write(partial.resolve(ArtifactLocation.MANIFEST), ManifestJson.write(manifest));
            Path entry = entry(at);
            synchronized (lock) {
                if (entries.remove(at) != null) {
                    recency.remove(at);
                    retire(entry);
                }
                Files.createDirectories(entry.getParent());
                Files.move(partial, entry, StandardCopyOption.ATOMIC_MOVE);
                downloaded++;
                admit(at, manifest);
            }
            return entry;
        } finally {
            deleteTree(partial);
        }
    }

    /** Records a placed entry as the most recently used one and evicts what no longer fits. Holds the lock. */
    private void admit(ArtifactLocation at, Manifest manifest) throws IOException {
        entries.put(at, manifest);
        for (ArtifactLocation evicted : recency.add(at, manifest.totalSize())) {
            entries.remove(evicted);
            retire(entry(evicted));
            evictions++;
        }
    }

    /** Moves an entry out of sight at once, then deletes it; a crash in between leaves only partial files. */
    private void retire(Path entry) throws IOException {
        Path aside = root.resolve(PARTIAL).resolve("retired-" + UUID.randomUUID());
        Files.move(entry, aside, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(aside);
    }

    private record Recovered(ArtifactLocation at, Manifest manifest, FileTime lastUsed) {}

    private void recover() throws IOException {
        List<Recovered> recovered = new ArrayList<>();
        for (Shelf shelf : Shelf.values()) {
            for (String tenant : shelf.shared() ? Collections.<String>singletonList(null) : cachedTenants()) {
                Path dir = root.resolve(shelf.prefix(tenant));
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                    for (Path entry : entries) {
                        Recovered complete = complete(tenant, shelf, entry);
                        if (complete != null) {
                            recovered.add(complete);
                        } else {
                            retire(entry);
                        }
                    }
                }
            }
        }
        recovered.sort(Comparator.comparing(Recovered::lastUsed));
        synchronized (lock) {
            for (Recovered entry : recovered) {
                admit(entry.at(), entry.manifest());
            }
        }
    }

    /**
     * The entry a previous run left at {@code entry} if it is complete: a manifest for this id, every file there
     * with its size (the hashes were checked when it was placed); null otherwise.
     */
    private static Recovered complete(String tenant, Shelf shelf, Path entry) throws IOException {
        Path manifestFile = entry.resolve(ArtifactLocation.MANIFEST);
        try {
            ArtifactLocation at = shelf.at(tenant, entry.getFileName().toString());
            Manifest manifest = ManifestJson.read(Files.readAllBytes(manifestFile), manifestFile.toString());
            if (!manifest.id().equals(at.id())) {
                return null;
            }
            for (StoredFile file : manifest.files()) {
                Path local = entry.resolve(at.relativePath(manifest.publication(), file.key()));
                if (!Files.isRegularFile(local) || Files.size(local) != file.size()) {
                    return null;
                }
            }
            return new Recovered(at, manifest, Files.getLastModifiedTime(manifestFile));
        } catch (NoSuchFileException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The tenants with a folder in the cache; a folder whose name is no tenant's is left alone. */
    private List<String> cachedTenants() throws IOException {
        Path tenants = root.resolve(ObjectKeys.TENANTS);
        if (!Files.isDirectory(tenants)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(tenants)) {
            return dirs.map(dir -> dir.getFileName().toString()).filter(ObjectKeys::isId).toList();
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
