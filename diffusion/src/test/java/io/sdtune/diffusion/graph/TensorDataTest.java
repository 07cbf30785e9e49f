package io.sdtune.diffusion.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorDataTest {

    @Test
    void float32ToHalfPrecisionRoundsToNearestEvenAndSaturatesToInfinity() {
        TensorData f32 = TensorData.of(new float[] {1f, 1f + 0x1p-11f, 1f + 0x1p-10f + 0x1p-11f, 65504f, 65520f,
                0x1p-24f, -2.5f, Float.NaN}, 8);

        TensorData f16 = f32.to(DType.FLOAT16);

        short[] bits = new short[8];
        f16.data().duplicate().order(f16.data().order()).rewind().asShortBuffer().get(bits);
        // 1, a tie rounded down to even, a tie rounded up to even, the largest half, past it, the smallest subnormal.
        assertThat(bits).startsWith((short) 0x3c00, (short) 0x3c00, (short) 0x3c02, (short) 0x7bff, (short) 0x7c00,
                (short) 0x0001, (short) 0xc100);
        assertThat(f16.get(7)).isNaN();
        assertThat(f16.get(6)).isEqualTo(-2.5);

        TensorData bf16 = f32.to(DType.BFLOAT16);
        assertThat(bf16.get(0)).isEqualTo(1.0);
        assertThat(bf16.get(6)).isEqualTo(-2.5);
        assertThat(bf16.get(7)).isNaN();
    }

    @Test
    void anEntryAlongTheFirstAxisSharesTheBuffer() {
        TensorData batch = TensorData.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);

        TensorData second = batch.select(1);

        assertThat(second.shape()).isEqualTo(Shape.of(2));
        assertThat(second.toFloatArray()).containsExactly(3, 4);
        batch.set(3, 40);
        assertThat(second.get(1)).isEqualTo(40);
        assertThatThrownBy(() -> batch.select(3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("entry 3");
    }
}
