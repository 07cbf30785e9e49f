package io.sdtune.diffusion.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeviceTest {

    @Test
    void parsesTheCommandLineSpellings() {
        assertThat(Device.parse("cpu")).isEqualTo(Device.CPU);
        assertThat(Device.parse("CUDA")).isEqualTo(Device.cuda(0));
        assertThat(Device.parse("cuda:1")).isEqualTo(Device.cuda(1));
        assertThat(Device.cuda(1)).hasToString("cuda:1");
    }

    @Test
    void rejectsAnUnknownDeviceSayingWhatIsExpected() {
        assertThatThrownBy(() -> Device.parse("gpu0"))
                .hasMessage("unknown device 'gpu0' (expected cpu, cuda or cuda:N)");
        assertThatThrownBy(() -> Device.parse("cuda:x")).hasMessageContaining("cuda:x");
    }
}
