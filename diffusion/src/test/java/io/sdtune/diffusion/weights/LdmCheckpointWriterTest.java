package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A diffusers folder written as one checkpoint in the original naming and read back through {@link LdmCheckpoint}:
 * every tensor of the three components under its LDM key, as a valid safetensors file, streamed in header order.
 */
class LdmCheckpointWriterTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeTinyModel() {
        model = dir.resolve("tiny-sd");
        TinyModel.write(model, TinyModel.Architecture.TINY, DType.FLOAT32, 5, c -> { });
    }

    @Test
    void everyTensorComesBackBitForBitUnderItsLdmKey() throws IOException {
        Path file = dir.resolve("tiny-sd.safetensors");
        try (StableDiffusion source = StableDiffusion.load(model)) {
            source.ldmCheckpoint(false).write(file);

            try (StableDiffusion single = StableDiffusion.load(file, model);
                    LdmCheckpoint checkpoint = LdmCheckpoint.open(file)) {
                assertSameTensors(single.unet(), source.unet());
                assertSameTensors(single.vae(), source.vae());
                assertSameTensors(single.textEncoder(), source.textEncoder());
                assertThat(checkpoint.storedShape("first_stage_model.decoder.mid.attn_1.q.weight"))
                        .isEqualTo(Shape.of(16, 16, 1, 1));
                assertThat(checkpoint.storedShape(
                        "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"))
                        .isEqualTo(Shape.of(49408, 32));
                assertThat(checkpoint.storedShape("model.diffusion_model.input_blocks.0.0.weight"))
                        .isEqualTo(Shape.of(32, 4, 3, 3));
            }
            try (SafeTensors written = SafeTensors.open(file)) {
                // Nothing besides the three components: as many tensors as they have.
                assertThat(written.keys()).hasSize(source.unet().keys().size() + source.vae().keys().size()
                        + source.textEncoder().keys().size());
                assertThat(written.metadata()).isEmpty();
            }
        }
    }

    @Test
    void halfStoresEveryTensorAsTheNearestFloat16() {
        Path file = dir.resolve("tiny-sd-half.safetensors");
        try (StableDiffusion source = StableDiffusion.load(model)) {
            source.ldmCheckpoint(true).write(file);

            try (StableDiffusion single = StableDiffusion.load(file, model)) {
                assertNearestFloat16(single.unet(), source.unet());
                assertNearestFloat16(single.vae(), source.vae());
                assertNearestFloat16(single.textEncoder(), source.textEncoder());
            }
        }
    }

    @Test
    void theHeaderIsValidSafetensorsWithTheTensorsContiguousInWriteOrder() throws IOException {
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        Path file = dir.resolve("header.safetensors");
        List<String> keys;
        long size;
        try (StableDiffusion source = StableDiffusion.load(model)) {
            LdmCheckpointWriter writer = source.ldmCheckpoint(false);
            writer.write(streamed);
            writer.write(file);
            keys = writer.keys();
            size = writer.size();
        }
        byte[] bytes = streamed.toByteArray();
        Header header = Header.of(bytes);
        long end = 0;
        for (Map.Entry<String, long[]> tensor : header.offsets().entrySet()) {
            assertThat(tensor.getValue()[0]).as(tensor.getKey()).isEqualTo(end);
            end = tensor.getValue()[1];
        }

        assertThat(bytes).hasSize((int) size);
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
        assertThat(header.dataStart() % 8).isZero();
        assertThat(header.dataStart() + end).isEqualTo(size);
        // Widest dtype first, then by name: all float32 here, so by name.
        assertThat(new ArrayList<>(header.offsets().keySet())).isEqualTo(keys).isSorted()
                .anyMatch(k -> k.startsWith(LdmKeys.UNET_PREFIX)).anyMatch(k -> k.startsWith(LdmKeys.VAE_PREFIX))
                .anyMatch(k -> k.startsWith(LdmKeys.TEXT_ENCODER_PREFIX));
        try (SafeTensors checked = SafeTensors.open(file)) {
            assertThat(checked.keys()).containsExactlyInAnyOrderElementsOf(keys);
        }
    }

    @Test
    void eachTensorIsReadWhenTheStreamReachesIt() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> readAt = new ArrayList<>();
        try (StableDiffusion source = StableDiffusion.load(model)) {
            LdmCheckpointWriter writer = LdmCheckpointWriter.of(source.unetConfig(), watched(source.unet(), out, readAt),
                    source.vaeConfig(), watched(source.vae(), out, readAt), source.textEncoderConfig(),
                    watched(source.textEncoder(), out, readAt), false);
            readAt.clear(); // planning maps the tensors for their shapes; what counts is when their bytes are read
            writer.write(out);
        }
        Header header = Header.of(out.toByteArray());

        // One read per tensor, in file order, each once everything before it was written and nothing of it.
        assertThat(readAt).isEqualTo(header.offsets().values().stream().map(o -> header.dataStart() + o[0]).toList());
    }

    @Test
    void anOpenClipTextEncoderIsRefused() {
        ClipTextConfig openClip = new ClipTextConfig(49408, 32, 64, 2, 4, 77, "gelu", 1e-5);
        try (StableDiffusion source = StableDiffusion.load(model)) {
            assertThatThrownBy(() -> LdmCheckpointWriter.of(source.unetConfig(), source.unet(), source.vaeConfig(),
                    source.vae(), openClip, source.textEncoder(), false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("hidden_act gelu is OpenCLIP (SD 2.x)")
                    .hasMessageContaining(model.resolve("text_encoder/model.safetensors").toString());
        }
    }

    @Test
    void twoTensorsForOneLdmKeyAreRefusedNamingBoth() throws IOException {
        // An LDM name passes through the UNet's mapping unchanged, onto conv_in's LDM name.
        Path odd = dir.resolve("odd-unet.safetensors");
        TensorData bias = TensorData.allocate(DType.FLOAT32, Shape.of(32));
        SafeTensors.write(odd, Map.of("conv_in.bias", bias, "input_blocks.0.0.bias", bias), Map.of());
        try (StableDiffusion source = StableDiffusion.load(model); WeightSource unet = SafeTensorsWeights.open(odd)) {
            assertThatThrownBy(() -> LdmCheckpointWriter.of(source.unetConfig(), unet, source.vaeConfig(), source.vae(),
                    source.textEncoderConfig(), source.textEncoder(), false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'conv_in.bias'").hasMessageContaining("'input_blocks.0.0.bias'")
                    .hasMessageContaining("would both be stored as 'model.diffusion_model.input_blocks.0.0.bias'");
        }
    }

    private static void assertSameTensors(WeightSource read, WeightSource written) {
        assertThat(read.keys()).isEqualTo(written.keys());
        for (String key : written.keys()) {
            TensorData expected = written.get(key);
            TensorData actual = read.get(key);
            assertThat(actual.dtype()).as(key).isEqualTo(expected.dtype());
            assertThat(actual.shape()).as(key).isEqualTo(expected.shape());
            assertThat(actual.data()).as(key).isEqualTo(expected.data());
        }
    }

    private static void assertNearestFloat16(WeightSource read, WeightSource written) {
        assertThat(read.keys()).isEqualTo(written.keys());
        for (String key : written.keys()) {
            TensorData original = written.get(key);
            TensorData half = read.get(key);
            assertThat(half.dtype()).as(key).isEqualTo(DType.FLOAT16);
            assertThat(half.shape()).as(key).isEqualTo(original.shape());
            assertThat(half.data()).as(key).isEqualTo(original.to(DType.FLOAT16).data());
            double[] x = original.toDoubleArray();
            double[] h = half.toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                // Rounded to nearest: within half a unit in the last place, 2^-11 relative (2^-25 absolute below 2^-14).
                assertThat(Math.abs(h[i] - x[i])).as(key + "[" + i + "]")
                        .isLessThanOrEqualTo(Math.max(Math.abs(x[i]) * 0x1p-11, 0x1p-25));
            }
        }
    }

    /** {@code source}, noting in {@code readAt} how many bytes {@code out} holds whenever a tensor is read. */
    private static WeightSource watched(WeightSource source, ByteArrayOutputStream out, List<Long> readAt) {
        return new WeightSource() {
            @Override
            public String origin() {
                return source.origin();
            }

            @Override
            public Set<String> keys() {
                return source.keys();
            }

            @Override
            public TensorData get(String key) {
                readAt.add((long) out.size());
                return source.get(key);
            }

            @Override
            public void close() {
            }
        };
    }

    /** A safetensors header: each key's data_offsets, in the order written, and where the data starts. */
    private record Header(long dataStart, Map<String, long[]> offsets) {

        static Header of(byte[] file) throws IOException {
            long length = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode json = new ObjectMapper().readTree(new String(file, 8, (int) length, StandardCharsets.UTF_8));
            Map<String, long[]> offsets = new LinkedHashMap<>();
            json.fields().forEachRemaining(e -> {
                JsonNode dataOffsets = e.getValue().get("data_offsets");
                offsets.put(e.getKey(), new long[] {dataOffsets.get(0).longValue(), dataOffsets.get(1).longValue()});
            });
            return new Header(8 + length, offsets);
        }
    }
}
