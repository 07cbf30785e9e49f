package io.sdtune.diffusion.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory as Linux reports it in {@code /proc/self/status}: {@code VmRSS} now and
 * {@code VmHWM} (its peak). Elsewhere, or when it cannot be read, -1 ({@link #format} writes "n/a").
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** The resident set now ({@code VmRSS}) in MiB, or -1 where it cannot be read. */
    public static long residentMiB() {
        return statusMiB("VmRSS:");
    }

    /** The peak resident set ({@code VmHWM}) in MiB, or -1 where it cannot be read. */
    public static long peakResidentMiB() {
        return statusMiB("VmHWM:");
    }

    /** A figure of this class as text: the number, or "n/a" for -1. */
    public static String format(long mib) {
        return mib < 0 ? "n/a" : Long.toString(mib);
    }

    private static long statusMiB(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
