package io.sdtune.diffusion.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExecutionOptionsTest {

    @Test
    void anArenaLimitGoesWithCudaGraphs() {
        ExecutionOptions captured = ExecutionOptions.on(Device.CPU).withCudaGraph(3L << 30);

        assertThat(captured.cudaGraph()).isTrue();
        assertThat(captured.graphArenaLimit()).isEqualTo(3L << 30);
        assertThat(captured.withCudaGraph().graphArenaLimit()).isZero();
    }

    @Test
    void anArenaLimitWithoutCudaGraphsOrBelowZeroIsRefused() {
        assertThatThrownBy(() -> new ExecutionOptions(Device.CPU, null, false, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an arena limit is for a session replayed as a CUDA graph, got 1048576 bytes without CUDA"
                        + " graphs");
        assertThatThrownBy(() -> ExecutionOptions.on(Device.CPU).withCudaGraph(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
