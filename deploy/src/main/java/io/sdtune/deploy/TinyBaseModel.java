package io.sdtune.deploy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Shelf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The embedded default's base model: the engine's tiny Stable Diffusion (SD 1.5's architecture and diffusers
 * layout at CPU size, seeded random weights, 64 px), published as {@code models/tiny-sd/}. It learns and draws
 * in seconds on a CPU, so the whole flow runs anywhere; its pictures are noise-like, since nothing trained it.
 * A real model is published under its own id the same way and named by the requests.
 */
public final class TinyBaseModel {
    public static final String ID = "tiny-sd";
    /** The size it draws and trains at (its UNet's sample_size times the VAE's factor of 8). */
    public static final int RESOLUTION = 64;
    private static final long SEED = 7;

    private TinyBaseModel() {
    }

    /** Writes it into the store unless a published one is there already (a restart keeps the first). */
    static void publishIfAbsent(ArtifactStore artifacts, Consumer<String> progress) throws IOException {
        if (artifacts.manifest(Shelf.MODELS.at(ID)).isPresent()) {
            return;
        }
        progress.accept("Writing the tiny base model " + ID + " into the store");
        Path dir = Files.createTempDirectory(ID);
        try {
            TinyModel.write(dir, false, DType.FLOAT32, SEED, component -> { });
            artifacts.publish(Shelf.MODELS.at(ID), "BASE_MODEL", ArtifactFile.allIn(dir), Map.of());
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
