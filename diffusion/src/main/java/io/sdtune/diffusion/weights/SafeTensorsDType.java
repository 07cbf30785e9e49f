package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.DType;
import java.util.Optional;

/**
 * The element types a safetensors header may name, spelled as the format spells them, with their widths in bits.
 * All of them can be validated; only those with an engine type can be read into {@link
 * io.sdtune.diffusion.graph.TensorData}.
 */
public enum SafeTensorsDType {
    BOOL(8, DType.BOOL),
    F4(4, null),
    F6_E2M3(6, null),
    F6_E3M2(6, null),
    U8(8, DType.UINT8),
    I8(8, null),
    F8_E5M2(8, null),
    F8_E4M3(8, null),
    F8_E8M0(8, null),
    F8_E4M3FNUZ(8, null),
    F8_E5M2FNUZ(8, null),
    I16(16, null),
    U16(16, null),
    F16(16, DType.FLOAT16),
    BF16(16, DType.BFLOAT16),
    I32(32, DType.INT32),
    U32(32, null),
    F32(32, DType.FLOAT32),
    C64(64, null),
    F64(64, DType.FLOAT64),
    I64(64, DType.INT64),
    U64(64, null);

    private final int bits;
    private final DType engineType;

    SafeTensorsDType(int bits, DType engineType) {
        this.bits = bits;
        this.engineType = engineType;
    }

    /** Width of one element in bits (sub-byte types pack several elements into a byte). */
    public int bits() {
        return bits;
    }

    /** The engine's type for these elements, or empty where the engine has none. */
    public Optional<DType> engineType() {
        return Optional.ofNullable(engineType);
    }

    /** The safetensors type the engine writes for {@code dtype}. */
    public static SafeTensorsDType of(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> F32;
            case FLOAT16 -> F16;
            case BFLOAT16 -> BF16;
            case FLOAT64 -> F64;
            case INT64 -> I64;
            case INT32 -> I32;
            case UINT8 -> U8;
            case BOOL -> BOOL;
        };
    }
}
