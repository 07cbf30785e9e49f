package io.sdtune.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The disk a trainer's job folders are on: a job starts only while it has {@code minFreeBytes} free (a
 * DreamBooth job writes a whole UNet and its training state, gigabytes), so a full disk stops jobs before they
 * begin rather than in the middle of writing an adapter.
 */
record WorkDisk(Path folder, long minFreeBytes) {

    /** Why no job can start now, or empty when one can. */
    Optional<String> shortage() throws IOException {
        Files.createDirectories(folder);
        long free = Files.getFileStore(folder).getUsableSpace();
        if (free >= minFreeBytes) {
            return Optional.empty();
        }
        return Optional.of("the trainer's work disk (" + folder + ") has " + gib(free) + " free, below the "
                + gib(minFreeBytes) + " a job needs (sdtune.trainer.min-free-disk)");
    }

    private static String gib(long bytes) {
        return String.format("%.1f GiB", bytes / (double) (1L << 30));
    }
}
