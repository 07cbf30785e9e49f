package io.sdtune.diffusion.graph;

/** Element types the engine builds graphs with; the codes are ONNX's {@code TensorProto.DataType}. */
public enum DType {
    FLOAT32(1, 4),
    FLOAT16(10, 2),
    BFLOAT16(16, 2),
    FLOAT64(11, 8),
    INT64(7, 8),
    INT32(6, 4),
    UINT8(2, 1),
    BOOL(9, 1);

    private final int onnxCode;
    private final int byteSize;

    DType(int onnxCode, int byteSize) {
        this.onnxCode = onnxCode;
        this.byteSize = byteSize;
    }

    public int onnxCode() {
        return onnxCode;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT16 || this == BFLOAT16 || this == FLOAT64;
    }

    /** The lower-case name used on command lines and in configs ({@code float16}, like torch_dtype). */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "' (expected float32, float16, bfloat16, float64, int64, int32, uint8 or bool)");
    }

    public static DType fromOnnxCode(int code) {
        for (DType t : values()) {
            if (t.onnxCode == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported ONNX element type " + code);
    }
}
