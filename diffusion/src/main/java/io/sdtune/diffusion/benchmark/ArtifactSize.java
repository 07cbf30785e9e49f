package io.sdtune.diffusion.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/** What a method wrote, as the seed's table gives it: the files under its output folder, in KB, MB or GB. */
public final class ArtifactSize {
    private ArtifactSize() {
    }

    public static String of(Path output) {
        try (Stream<Path> files = Files.walk(output)) {
            long bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            return bytes > 1 << 30 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                    : bytes > 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6)
                    : String.format(Locale.ROOT, "%.1f KB", bytes / 1e3);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + output + ": " + e.getMessage(), e);
        }
    }
}
