package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The local cache of artifacts from a real S3 server: verified, bounded by bytes, one download per entry. */
class ArtifactCacheTest {
    private static final String TENANT = "t1";

    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private final ArtifactStore artifacts = new ArtifactStore(S3.store());
    @TempDir
    Path root;

    @Test
    void aFetchedArtifactIsAFolderOfVerifiedFilesAndIsServedFromThereAfterwards() throws IOException {
        ArtifactLocation model = Shelf.MODELS.at("tiny-sd");
        artifacts.publish(model, "BASE_MODEL", List.of(ArtifactFile.of("model_index.json", bytes("{}")),
                ArtifactFile.of("unet/diffusion_pytorch_model.safetensors", bytes("unet weights"))), Map.of());
        ArtifactCache cache = ArtifactCache.open(artifacts, root, 1 << 20);

        Path folder = cache.fetch(model);

        assertThat(folder).isEqualTo(root.resolve("models/tiny-sd"));
        assertThat(folder.resolve("unet/diffusion_pytorch_model.safetensors")).hasContent("unet weights");
        assertThat(folder.resolve("model_index.json")).hasContent("{}");
        assertThat(folder.resolve("manifest.json")).exists();
        assertThat(cache.fetch(model)).isEqualTo(folder);
        assertThat(cache.stats()).isEqualTo(new CacheStats(1, 1, 0, 1, 14));
    }

    @Test
    void theLeastRecentlyUsedEntriesGoBeyondTheByteBoundAndComeBackWhenFetchedAgain() throws IOException {
        ArtifactLocation a = publish100Bytes("a");
        ArtifactLocation b = publish100Bytes("b");
        ArtifactLocation c = publish100Bytes("c");
        ArtifactCache cache = ArtifactCache.open(artifacts, root, 250);

        cache.fetch(a);
        cache.fetch(b);
        cache.fetch(a);
        cache.fetch(c);

        assertThat(entries()).containsExactlyInAnyOrder("a", "c");
        assertThat(cache.stats()).isEqualTo(new CacheStats(1, 3, 1, 2, 200));

        Path again = cache.fetch(b);

        assertThat(again.resolve("w.safetensors")).hasSize(100);
        assertThat(entries()).containsExactlyInAnyOrder("b", "c");
        assertThat(cache.stats()).isEqualTo(new CacheStats(1, 4, 2, 2, 200));
    }

    @Test
    void concurrentFetchesOfOneArtifactShareOneDownload() throws Exception {
        ArtifactLocation big = Shelf.MODELS.at("big");
        long size = 32L << 20;
        artifacts.publish(big, "BASE_MODEL",
                List.of(new ArtifactFile("unet.safetensors", size, () -> new SyntheticStream(size, 3))), Map.of());
        ArtifactCache cache = ArtifactCache.open(artifacts, root, 1L << 30);
        int threads = 6;
        CountDownLatch start = new CountDownLatch(1);
        Callable<Path> fetch = () -> {
            start.await();
            return cache.fetch(big);
        };

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Path>> results = Stream.generate(() -> pool.submit(fetch)).limit(threads).toList();
            start.countDown();
            for (Future<Path> result : results) {
                assertThat(result.get()).isEqualTo(root.resolve("models/big"));
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(cache.stats().downloads()).isEqualTo(1);
        assertThat(cache.stats().hits()).isEqualTo(threads - 1);
        assertThat(root.resolve("models/big/unet.safetensors")).hasSize(size);
    }

    @Test
    void aTamperedObjectFailsTheFetchAndLeavesNothingInTheCache() throws IOException {
        ArtifactLocation lora = Shelf.ADAPTERS.at(TENANT, "lora-1");
        Manifest manifest = artifacts.publish(lora, "LORA", List.of(ArtifactFile.of("a.safetensors", bytes("aaaa")),
                ArtifactFile.of("b.safetensors", bytes("bbbb"))), Map.of());
        S3.store().put(manifest.files().get(1).key(), bytes("BBBB")); // behind the manifest's back
        ArtifactCache cache = ArtifactCache.open(artifacts, root, 1 << 20);

        assertThatThrownBy(() -> cache.fetch(lora))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("object " + manifest.files().get(1).key() + " does not match its manifest")
                .hasMessageContaining("sha256 " + manifest.files().get(1).sha256());

        assertThat(root.resolve("tenants/t1/adapters/lora-1")).doesNotExist();
        assertThat(root.resolve(".partial")).isEmptyDirectory();
        assertThat(cache.stats()).isEqualTo(new CacheStats(0, 0, 0, 0, 0));
    }

    @Test
    void aReopenedCacheKeepsItsCompleteEntriesAndDropsIncompleteOnes() throws IOException {
        ArtifactLocation a = publish100Bytes("a");
        ArtifactLocation b = publish100Bytes("b");
        ArtifactCache first = ArtifactCache.open(artifacts, root, 1 << 20);
        first.fetch(a);
        first.fetch(b);
        Files.delete(root.resolve("tenants/t1/adapters/b/w.safetensors"));
        Files.createDirectories(root.resolve(".partial/a-crashed"));

        ArtifactCache reopened = ArtifactCache.open(artifacts, root, 1 << 20);

        assertThat(reopened.stats()).isEqualTo(new CacheStats(0, 0, 0, 1, 100));
        assertThat(entries()).containsExactly("a");
        assertThat(root.resolve(".partial")).isEmptyDirectory();
        reopened.fetch(a);
        assertThat(reopened.stats().downloads()).isZero();
    }

    @Test
    void anArtifactDeletedAndPublishedAgainIsFetchedAgain() throws IOException {
        ArtifactLocation lora = Shelf.ADAPTERS.at(TENANT, "lora-1");
        artifacts.publish(lora, "LORA", List.of(ArtifactFile.of("w.safetensors", bytes("v1"))), Map.of());
        ArtifactCache cache = ArtifactCache.open(artifacts, root, 1 << 20);
        cache.fetch(lora);

        artifacts.delete(lora);
        artifacts.publish(lora, "LORA", List.of(ArtifactFile.of("w.safetensors", bytes("v2"))), Map.of());

        assertThat(cache.fetch(lora).resolve("w.safetensors")).hasContent("v2");
        assertThat(cache.stats().downloads()).isEqualTo(2);
    }

    @Test
    void anUnpublishedArtifactCannotBeFetched() throws IOException {
        ArtifactCache cache = ArtifactCache.open(artifacts, root, 1 << 20);

        assertThatThrownBy(() -> cache.fetch(Shelf.ADAPTERS.at(TENANT, "nothing")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("artifact tenants/t1/adapters/nothing is not published");
    }

    private ArtifactLocation publish100Bytes(String id) throws IOException {
        ArtifactLocation at = Shelf.ADAPTERS.at(TENANT, id);
        artifacts.publish(at, "LORA", List.of(ArtifactFile.of("w.safetensors", new byte[100])), Map.of());
        return at;
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> adapters = Files.list(root.resolve("tenants/t1/adapters"))) {
            return adapters.map(path -> path.getFileName().toString()).toList();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
