package io.sdtune.diffusion.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceMemoryTest {

    @Test
    void theCpuHasItsMachinesMemoryAndNoArena() {
        assertThat(DeviceMemory.total(Device.CPU).orElseThrow()).isPositive();
        assertThat(DeviceMemory.arenaStats(Device.CPU)).isEmpty();
        assertThat(DeviceMemory.capturedArenaStats(Device.CPU)).isEmpty();
    }

    @Test
    void keepsTheLargestArenaOfTheCapturedSessionsClosedOnADevice() {
        // A device index no other test uses: what closing captured sessions recorded is the process's.
        Device gpu = Device.cuda(7);
        assertThat(DeviceMemory.capturedArenaStats(gpu)).isEmpty();
        Map<String, Long> large = Map.of("MaxInUse", 3L << 30, "TotalAllocated", 4L << 30);
        OrtCApi.get().recordCapturedArena(gpu, large);
        OrtCApi.get().recordCapturedArena(gpu, Map.of("MaxInUse", 1L << 30, "TotalAllocated", 2L << 30));
        assertThat(DeviceMemory.capturedArenaStats(gpu)).isEqualTo(large);
        Map<String, Long> larger = Map.of("MaxInUse", 3L << 30, "TotalAllocated", 5L << 30);
        OrtCApi.get().recordCapturedArena(gpu, larger);
        assertThat(DeviceMemory.capturedArenaStats(gpu)).isEqualTo(larger);
        assertThat(DeviceMemory.capturedArenaStats(Device.cuda(6))).isEmpty();
    }
}
