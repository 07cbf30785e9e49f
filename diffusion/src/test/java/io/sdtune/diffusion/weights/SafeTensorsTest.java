package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackTensorsOfEveryDtypeBitForBit() throws IOException {
        Random random = new Random(7);
        Map<String, TensorData> tensors = Map.of(
                "unet.conv_in.weight", TensorData.randn(DType.FLOAT32, Shape.of(4, 3, 3, 3), 1, random),
                "token_embedding.weight", TensorData.randn(DType.FLOAT16, Shape.of(5, 8), 1, random),
                "lora.alpha", TensorData.randn(DType.BFLOAT16, Shape.of(3), 1, random),
                "scheduler.beta_start", TensorData.scalar(DType.FLOAT64, 0.00085),
                "text_model.embeddings.position_ids", TensorData.ofLongs(new long[] {0, 1, 2, 3}, 1, 4),
                "mask", TensorData.of(DType.BOOL, Shape.of(2, 2), 1, 0, 0, 1),
                "unused", TensorData.allocate(DType.FLOAT32, Shape.of(0, 3)));
        Map<String, String> metadata = Map.of("format", "pt", "ss_network_dim", "4");
        Path file = dir.resolve("model.safetensors");

        SafeTensors.write(file, tensors, metadata);

        try (SafeTensors weights = SafeTensors.open(file)) {
            assertThat(weights.keys()).containsExactlyElementsOf(new TreeMap<>(tensors).keySet());
            assertThat(weights.metadata()).isEqualTo(metadata);
            for (String key : weights.keys()) {
                TensorData read = weights.get(key);
                assertThat(read.dtype()).as(key).isEqualTo(tensors.get(key).dtype());
                assertThat(read.shape()).as(key).isEqualTo(tensors.get(key).shape());
                assertThat(read.data()).as(key).isEqualTo(tensors.get(key).data());
            }
        }
    }

    @Test
    void readsAFileWrittenByHandFromTheSpec() throws IOException {
        // Two tensors, the second at data offset 4, metadata, and a header padded with spaces.
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"single\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}   ";
        byte[] data = {
            0x00, 0x3C, 0x00, (byte) 0xC0, // F16 1.0 and -2.0, little-endian
            0x00, 0x00, 0x00, 0x3F, // F32 0.5
        };
        Path file = safetensors(header, data);

        try (SafeTensors weights = SafeTensors.open(file)) {
            assertThat(weights.keys()).containsExactly("half", "single");
            assertThat(weights.metadata()).containsExactly(entry("format", "pt"));
            assertThat(weights.info("single"))
                    .isEqualTo(new TensorInfo("single", SafeTensorsDType.F32, Shape.of(1), 8 + header.length() + 4, 4));
            assertThat(weights.get("half").toDoubleArray()).containsExactly(1.0, -2.0);
            assertThat(weights.get("single").toDoubleArray()).containsExactly(0.5);
            assertThat(weights.get("single").data().isReadOnly()).isTrue();
        }
    }

    @Test
    void writesAHeaderPaddedToEightBytesAndAlignsEveryTensorToItsElementSize() throws IOException {
        Path file = dir.resolve("mixed.safetensors");
        SafeTensors.write(file, Map.of(
                "a.flag", TensorData.of(DType.BOOL, Shape.of(3), 1, 0, 1),
                "b.half", TensorData.of(DType.FLOAT16, Shape.of(1), 1),
                "c.float", TensorData.of(new float[] {1, 2}, 2),
                "d.double", TensorData.of(DType.FLOAT64, Shape.of(1), 1)), Map.of());

        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        try (SafeTensors weights = SafeTensors.open(file)) {
            for (String key : weights.keys()) {
                TensorInfo info = weights.info(key);
                assertThat(info.offset() % (info.dtype().bits() / 8)).as(key).isZero();
            }
        }
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFileBehind() throws IOException {
        Path file = dir.resolve("adapter.safetensors");

        SafeTensors.write(file, Map.of("old", TensorData.of(new float[] {1}, 1)), Map.of());
        SafeTensors.write(file, Map.of("new", TensorData.of(new float[] {2}, 1)), Map.of());

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
        try (SafeTensors weights = SafeTensors.open(file)) {
            assertThat(weights.keys()).containsExactly("new");
        }
    }

    @Test
    void tensorsStayReadableAfterTheFileIsClosed() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, Map.of("w", TensorData.of(new float[] {3, 4}, 2)), Map.of());

        TensorData w;
        try (SafeTensors weights = SafeTensors.open(file)) {
            w = weights.get("w");
        }

        assertThat(w.toFloatArray()).containsExactly(3, 4);
    }

    @Test
    void rejectsAFileTooShortForTheHeaderLength() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3, 4, 5});

        assertThatThrownBy(() -> SafeTensors.open(file))
                .hasMessage(file + ": the file has 5 bytes, too few for the 8-byte header length");
    }

    @Test
    void rejectsAHeaderLengthBeyondTheEndOfTheFile() throws IOException {
        byte[] bytes = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1000).put(new byte[] {'{', '}', ' ', ' '})
                .array();
        Path file = Files.write(dir.resolve("cut.safetensors"), bytes);

        assertThatThrownBy(() -> SafeTensors.open(file))
                .hasMessage(file + ": header length 1000 reaches past the end of the file (12 bytes)");
    }

    @Test
    void rejectsAHeaderLengthBeyondTheReadersLimitBeforeReadingIt() throws IOException {
        // A file as long as the header it claims, so that only the bound refuses it.
        Path file = dir.resolve("huge-header.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(Long.BYTES + 100_000_001L);
            f.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001L).array());
        }

        assertThatThrownBy(() -> SafeTensors.open(file)).hasMessage(file
                + ": header length 100000001 exceeds the limit of 100000000 bytes that safetensors readers apply");
    }

    @Test
    void rejectsATruncatedFileNamingTheTensorCut() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, Map.of("unet.conv_in.bias", TensorData.of(new float[] {1, 2, 3, 4}, 4)), Map.of());
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length - 2));

        assertThatThrownBy(() -> SafeTensors.open(file))
                .hasMessage(file + ": tensor 'unet.conv_in.bias': data_offsets [0, 16] reach past the end of the data "
                        + "(14 bytes); is the file truncated?");
    }

    static Stream<Arguments> malformedHeaders() {
        return Stream.of(
                arguments("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}",
                        "tensor 'w': data_offsets [0, 12] reach past the end of the data (8 bytes)"),
                arguments("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                        "tensor 'w': F32[3] takes 12 bytes, but data_offsets [0, 8] hold 8 bytes"),
                arguments("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}",
                        "tensor 'w': data_offsets must be [begin, end] with begin <= end, found [8, 0]"),
                arguments("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        "tensors 'a' and 'b' overlap: 'b' begins at data offset 4, before 'a' ends at 8"),
                arguments("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        "no tensor covers data bytes [4, 8); the format allows no gaps"),
                arguments("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", "tensor 'w': no data_offsets"),
                arguments("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        "tensor 'w': unknown dtype \"Q4\""),
                arguments("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
                        "tensor 'w': shape must be an array of non-negative integers, found [-2]"),
                arguments("{\"__metadata__\":{\"steps\":1000}}",
                        "__metadata__ values must be strings, found steps: 1000"),
                arguments("{\"w\":{}, \"w\":{}}", "the header is not valid JSON: Duplicate field 'w'"),
                arguments("[1, 2]", "the header must be a JSON object starting with '{', found '[1, 2]'"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("malformedHeaders")
    void rejectsAMalformedHeaderSayingWhereAndWhy(String header, String problem) throws IOException {
        Path file = safetensors(header, new byte[8]);

        assertThatThrownBy(() -> SafeTensors.open(file)).hasMessageStartingWith(file + ": " + problem);
    }

    @Test
    void listsATensorOfAnUnsupportedDtypeButRefusesToReadIt() throws IOException {
        Path file = safetensors("{\"scale\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"quantized\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[4,8]}}", new byte[8]);

        try (SafeTensors weights = SafeTensors.open(file)) {
            assertThat(weights.keys()).containsExactly("quantized", "scale");
            assertThat(weights.get("scale").toDoubleArray()).containsExactly(0.0);
            assertThatThrownBy(() -> weights.get("quantized")).hasMessage(file + ": tensor 'quantized' has dtype I8, "
                    + "which the engine cannot read (it reads BOOL, U8, F16, BF16, I32, F32, F64, I64)");
        }
    }

    @Test
    void anUnknownKeyIsAnsweredWithTheClosestNames() throws IOException {
        Path file = dir.resolve("unet.safetensors");
        TensorData one = TensorData.of(new float[] {1}, 1);
        SafeTensors.write(file, Map.of("conv_in.weight", one, "conv_in.bias", one, "conv_out.weight", one,
                "time_embedding.linear_1.weight", one), Map.of());

        try (SafeTensors weights = SafeTensors.open(file)) {
            assertThatThrownBy(() -> weights.get("conv_in.weigth")).hasMessage(file + ": no tensor 'conv_in.weigth' "
                    + "(closest: 'conv_in.weight', 'conv_in.bias', 'conv_out.weight'; 4 tensors in all)");
        }
    }

    /** A file of the given header (as UTF-8, after its 8-byte little-endian length) and data area. */
    private Path safetensors(String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data);
        return Files.write(dir.resolve("handmade.safetensors"), bytes.array());
    }
}
