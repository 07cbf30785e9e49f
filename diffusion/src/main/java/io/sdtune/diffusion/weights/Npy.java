package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * NumPy {@code .npy} files of the types the engine shares with NumPy: float32, float16, float64, int64 and bool
 * ({@code '<f4', '<f2', '<f8', '<i8', '|b1'}), in C order and this machine's byte order. NumPy has no bfloat16.
 *
 * <p>The format: the magic {@code \x93NUMPY}, a version byte pair, the header length (2 bytes little-endian in
 * version 1.0, 4 in 2.0 and 3.0), the header (a Python dict literal padded with spaces and a newline so that the data
 * starts on a 64-byte boundary), then the data.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Magic, version and the 2-byte header length of format 1.0. */
    private static final int PREFIX_LENGTH = MAGIC.length + 4;
    private static final int ALIGNMENT = 64;
    /** numpy.load's limit: a longer header is refused as unsafe to parse. */
    private static final int MAX_HEADER_LENGTH = 10_000;
    /** np.save leaves room in the header for the first dimension to grow to this many digits. */
    private static final int GROWTH_DIGITS = 21;
    private static final char NATIVE_ORDER = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
    private static final Map<DType, String> TYPE_CODES = new EnumMap<>(Map.of(
            DType.FLOAT32, "f4", DType.FLOAT16, "f2", DType.FLOAT64, "f8", DType.INT64, "i8", DType.BOOL, "b1"));

    private Npy() {}

    /** Reads {@code file} into a new, writable tensor; any other type, order or layout fails, naming the file. */
    public static TensorData read(Path file) throws IOException {
        long fileSize = Files.size(file);
        if (fileSize > Integer.MAX_VALUE) {
            throw error(file, "the file has " + fileSize + " bytes, more than one tensor buffer can hold");
        }
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.limit() < PREFIX_LENGTH
                || !Arrays.equals(MAGIC, 0, MAGIC.length, bytes.array(), 0, MAGIC.length)) {
            throw error(file, "not a .npy file: it does not begin with \\x93NUMPY and a header length");
        }
        int major = Byte.toUnsignedInt(bytes.get(MAGIC.length));
        int minor = Byte.toUnsignedInt(bytes.get(MAGIC.length + 1));
        int lengthAt = MAGIC.length + 2;
        int headerStart = switch (major) {
            case 1 -> lengthAt + 2;
            case 2, 3 -> lengthAt + 4;
            default -> throw error(file, "format version " + major + "." + minor + " is unknown (expected 1.0, 2.0 "
                    + "or 3.0)");
        };
        if (bytes.limit() < headerStart) {
            throw error(file, "the file ends inside the header length");
        }
        long headerLength = major == 1
                ? Short.toUnsignedInt(bytes.getShort(lengthAt))
                : Integer.toUnsignedLong(bytes.getInt(lengthAt));
        if (headerLength > MAX_HEADER_LENGTH) {
            throw error(file, "header length " + headerLength + " exceeds numpy.load's limit of " + MAX_HEADER_LENGTH);
        }
        if (headerStart + headerLength > bytes.limit()) {
            throw error(file, "header length " + headerLength + " reaches past the end of the file (" + bytes.limit()
                    + " bytes)");
        }
        // Version 3.0 exists only to allow UTF-8 in the header; the older ones are Latin-1.
        String text = new String(bytes.array(), headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header;
        try {
            header = NpyHeader.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(file, e.getMessage());
        }
        if (header.fortranOrder()) {
            throw error(file, "the data is in Fortran (column-major) order; only C order is read "
                    + "(save np.ascontiguousarray(a) instead)");
        }
        DType dtype = dtype(file, header.descr());
        int dataStart = headerStart + (int) headerLength;
        long expected;
        try {
            expected = Math.multiplyExact(header.shape().size(), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw error(file, "shape " + header.shape() + " has more elements than a long can count");
        }
        if (bytes.limit() - dataStart != expected) {
            throw error(file, "'" + header.descr() + "' " + header.shape() + " takes " + expected
                    + " bytes of data, the file holds " + (bytes.limit() - dataStart));
        }
        TensorData tensor = TensorData.allocate(dtype, header.shape());
        tensor.data().put(0, bytes, dataStart, (int) expected);
        return tensor;
    }

    /**
     * Writes {@code tensor} to {@code file} byte for byte as np.save would: format 1.0, C order, this machine's byte
     * order. Bfloat16 has no NumPy type; convert it first, e.g. with {@code tensor.to(DType.FLOAT32)}.
     */
    public static void write(Path file, TensorData tensor) throws IOException {
        byte[] header = paddedHeader(new NpyHeader(descr(tensor.dtype()), false, tensor.shape()))
                .getBytes(StandardCharsets.ISO_8859_1);
        if (header.length > MAX_HEADER_LENGTH) {
            throw new IllegalArgumentException(file + ": the header of shape " + tensor.shape() + " would have "
                    + header.length + " bytes, more than numpy.load accepts (" + MAX_HEADER_LENGTH + ")");
        }
        ByteBuffer head = ByteBuffer.allocate(PREFIX_LENGTH + header.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length).put(header)
                .flip();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(out, head);
            writeFully(out, tensor.data().duplicate().clear());
        }
    }

    /**
     * The header text np.save writes: the dict, spare spaces for the first dimension to grow in place, then spaces and
     * a newline up to the next 64-byte boundary (a whole 64 when the text already ends on one, as NumPy pads).
     */
    private static String paddedHeader(NpyHeader header) {
        String dict = header.format();
        long[] dims = header.shape().dims();
        String growth = dims.length == 0 ? "" : " ".repeat(GROWTH_DIGITS - Long.toString(dims[0]).length());
        int unpadded = PREFIX_LENGTH + dict.length() + growth.length() + 1;
        return dict + growth + " ".repeat(ALIGNMENT - unpadded % ALIGNMENT) + "\n";
    }

    /** NumPy's name for {@code dtype} in this machine's byte order; '|' marks single bytes, which have no order. */
    private static String descr(DType dtype) {
        String code = TYPE_CODES.get(dtype);
        if (code == null) {
            throw new IllegalArgumentException("NumPy has no " + dtype + " (it takes " + supported()
                    + "); convert first, e.g. tensor.to(DType.FLOAT32)");
        }
        return (dtype.byteSize() == 1 ? '|' : NATIVE_ORDER) + code;
    }

    private static DType dtype(Path file, String descr) throws IOException {
        char order = descr.isEmpty() ? ' ' : descr.charAt(0);
        for (DType dtype : TYPE_CODES.keySet()) {
            if (descr(dtype).equals(descr)) {
                return dtype;
            }
            if (dtype.byteSize() > 1 && (order == '<' || order == '>')
                    && descr.substring(1).equals(TYPE_CODES.get(dtype))) {
                throw error(file, "the data is " + endianness(order) + " ('" + descr + "') but this machine is "
                        + endianness(NATIVE_ORDER) + "; save a.astype('" + descr(dtype) + "') instead");
            }
        }
        throw error(file, "dtype '" + descr + "' is not supported (expected one of " + supported() + ")");
    }

    private static String endianness(char order) {
        return order == '<' ? "little-endian" : "big-endian";
    }

    private static String supported() {
        return TYPE_CODES.keySet().stream().map(t -> "'" + descr(t) + "'").collect(Collectors.joining(", "));
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    private static IOException error(Path file, String problem) {
        return new IOException(file + ": " + problem);
    }
}
