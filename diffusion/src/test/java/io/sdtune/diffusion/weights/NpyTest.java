package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    /** np.save's header for np.arange(16, dtype='<f4').reshape(1, 4, 2, 2), padded so that 10 + 118 = 128 bytes. */
    private static final String LATENTS_HEADER =
            String.format("%-117s\n", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 2, 2), }");

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackEachTypeNumPyShares() throws IOException {
        Random random = new Random(3);
        List<TensorData> tensors = List.of(
                TensorData.randn(DType.FLOAT32, Shape.of(1, 4, 8, 8), 1, random),
                TensorData.randn(DType.FLOAT16, Shape.of(3), 1, random),
                TensorData.scalar(DType.FLOAT64, Math.PI),
                TensorData.ofLongs(new long[] {49406, 320, 49407}, 1, 3),
                TensorData.of(DType.BOOL, Shape.of(2, 2), 1, 0, 0, 1),
                TensorData.allocate(DType.FLOAT32, Shape.of(0)));

        for (TensorData tensor : tensors) {
            Path file = dir.resolve("tensor.npy");
            Npy.write(file, tensor);
            TensorData read = Npy.read(file);

            assertThat(read.dtype()).as(tensor.toString()).isEqualTo(tensor.dtype());
            assertThat(read.shape()).as(tensor.toString()).isEqualTo(tensor.shape());
            assertThat(read.data()).as(tensor.toString()).isEqualTo(tensor.data());
        }
    }

    @Test
    void readsAVersion1FileWrittenByHand() throws IOException {
        Path file = npy(1, LATENTS_HEADER, arange(16));

        TensorData latents = Npy.read(file);

        assertThat(latents.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(latents.shape()).isEqualTo(Shape.of(1, 4, 2, 2));
        assertThat(latents.toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    }

    @Test
    void writesTheSameBytesAsNpSave() throws IOException {
        Path expected = npy(1, LATENTS_HEADER, arange(16));
        Path written = dir.resolve("written.npy");

        Npy.write(written, Npy.read(expected));

        assertThat(Files.readAllBytes(written)).isEqualTo(Files.readAllBytes(expected));
    }

    @Test
    void readsAVersion2Header() throws IOException {
        Path file = npy(2, String.format("%-115s\n", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }"),
                arange(1));

        assertThat(Npy.read(file).shape()).isEqualTo(Shape.SCALAR);
    }

    @Test
    void rejectsFortranOrder() throws IOException {
        Path file = npy(1, LATENTS_HEADER.replace("False", "True "), arange(16));

        assertThatThrownBy(() -> Npy.read(file)).hasMessage(file + ": the data is in Fortran (column-major) order; "
                + "only C order is read (save np.ascontiguousarray(a) instead)");
    }

    @Test
    void rejectsBigEndianDataRatherThanMisreadingIt() throws IOException {
        Path file = npy(1, LATENTS_HEADER.replace("<f4", ">f4"), arange(16));

        assertThatThrownBy(() -> Npy.read(file)).hasMessage(file + ": the data is big-endian ('>f4') but this machine "
                + "is little-endian; save a.astype('<f4') instead");
    }

    @Test
    void rejectsATypeTheEngineDoesNotHave() throws IOException {
        Path file = npy(1, LATENTS_HEADER.replace("<f4", "<i4"), arange(16));

        assertThatThrownBy(() -> Npy.read(file)).hasMessage(file + ": dtype '<i4' is not supported (expected one of "
                + "'<f4', '<f2', '<f8', '<i8', '|b1')");
        assertThatThrownBy(() -> Npy.write(dir.resolve("bf16.npy"), TensorData.allocate(DType.BFLOAT16, Shape.of(2))))
                .hasMessageStartingWith("NumPy has no BFLOAT16");
    }

    @Test
    void rejectsDataShorterThanTheShapeNeeds() throws IOException {
        Path file = npy(1, LATENTS_HEADER, arange(15));

        assertThatThrownBy(() -> Npy.read(file))
                .hasMessage(file + ": '<f4' [1, 4, 2, 2] takes 64 bytes of data, the file holds 60");
    }

    @Test
    void rejectsAHeaderThatIsNotTheExpectedDict() throws IOException {
        Path file = npy(1, "{'descr': '<f4', 'shape': (2,), }\n", arange(2));

        assertThatThrownBy(() -> Npy.read(file)).hasMessage(file + ": the header {'descr': '<f4', 'shape': (2,), } "
                + "must have the keys descr, fortran_order and shape");
    }

    /** A .npy file of the given format version, header text and data, framed as the format prescribes. */
    private Path npy(int major, String header, byte[] data) throws IOException {
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer bytes = ByteBuffer.allocate(8 + lengthBytes + text.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            bytes.putShort((short) text.length);
        } else {
            bytes.putInt(text.length);
        }
        return Files.write(dir.resolve("handmade.npy"), bytes.put(text).put(data).array());
    }

    /** 0, 1, ..., n - 1 as little-endian float32. */
    private static byte[] arange(int n) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            bytes.putFloat(i);
        }
        return bytes.array();
    }
}
