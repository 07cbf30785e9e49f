package io.sdtune.trainer;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/** {@code sdtune.trainer.*}: how this trainer runs its jobs (README, "Configuration"; defaults in application.properties). */
@ConfigMapping(prefix = "sdtune.trainer")
public interface TrainerSettings {
    /** {@code cpu}, {@code cuda} or {@code cuda:N}. */
    String device();

    /** Where the jobs' folders are. */
    Path workDir();

    /** At most one {@code progress} event per this interval. */
    Duration progressInterval();

    /** A job still training after this long is stopped and ends failed. */
    Duration maxJobDuration();

    /** Attempts ended by outages, or runs ended by the trainer dying, before a job is given up. */
    int maxAttempts();

    /** A job starts only while the work disk has this many bytes free. */
    long minFreeDisk();

    /**
     * The device's memory in bytes, against which each job's estimated memory is checked before it starts
     * (README, "Memory guard"); absent: {@code nvidia-smi}'s for a GPU, the machine's or container's for the CPU;
     * 0: no check.
     */
    OptionalLong deviceMemory();

    /** Bytes the runtime holds besides a job's step: the CUDA context and library workspaces, or the JVM's. */
    long memoryOverhead();

    /** A job silent this long (no phase, no step) makes the trainer unhealthy, to be restarted. */
    Duration stallTimeout();
}
