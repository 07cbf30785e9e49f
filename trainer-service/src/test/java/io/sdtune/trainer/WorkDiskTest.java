package io.sdtune.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDiskTest {

    @Test
    void aDiskWithRoomLetsAJobStartAndOneWithoutSaysWhy(@TempDir Path folder) throws IOException {
        long free = Files.getFileStore(folder).getUsableSpace();

        assertThat(new WorkDisk(folder.resolve("jobs"), 1).shortage()).isEmpty();
        assertThat(new WorkDisk(folder.resolve("jobs"), free + (1L << 40)).shortage()).hasValueSatisfying(why ->
                assertThat(why).startsWith("the trainer's work disk (" + folder.resolve("jobs") + ") has ")
                        .contains("GiB free, below the ").endsWith(" a job needs (sdtune.trainer.min-free-disk)"));
    }
}
