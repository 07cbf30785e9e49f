package io.sdtune.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Only safetensors is taken: a pickle is refused by its name or by its bytes, without being read. */
class UploadedWeightsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"lora.pt", "model.ckpt", "pytorch_lora_weights.bin", "embedding.PTH"})
    void aPickleIsRefusedByItsName(String name) throws Exception {
        Path file = TinyLoras.write(dir.resolve("upload"), TinyLoras.kohya(1));

        assertThatThrownBy(() -> UploadedWeights.requireSafetensors(file, name))
                .isInstanceOf(RefusedFile.class)
                .hasMessageStartingWith(name + " is a PyTorch pickle (")
                .hasMessageContaining("loading a pickle can run any code it holds, so only safetensors files are imported");
    }

    @Test
    void aPickleRenamedSafetensorsIsRefusedByItsBytes() throws Exception {
        Path zip = Files.write(dir.resolve("a"), new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0});
        Path legacy = Files.write(dir.resolve("b"), new byte[] {(byte) 0x80, 2, '}', 'q', 0, '(', 'X', 1, 0, 0});

        assertThatThrownBy(() -> UploadedWeights.requireSafetensors(zip, "lora.safetensors"))
                .hasMessageStartingWith("lora.safetensors is a PyTorch pickle by its bytes (torch.save's zip format)");
        assertThatThrownBy(() -> UploadedWeights.requireSafetensors(legacy, "lora.safetensors"))
                .hasMessageStartingWith("lora.safetensors is a PyTorch pickle by its bytes (torch.save's legacy format)");
    }

    @Test
    void otherBytesAreNoSafetensors() throws Exception {
        Path text = Files.writeString(dir.resolve("c"), "hello, world");

        assertThatThrownBy(() -> UploadedWeights.requireSafetensors(text, "notes.safetensors"))
                .hasMessage("notes.safetensors is not a safetensors file (it does not start with a header length and a JSON header)");
    }

    @Test
    void safetensorsIsTaken() throws Exception {
        Path file = TinyLoras.write(dir.resolve("lora.safetensors"), TinyLoras.kohya(2));

        assertThatCode(() -> UploadedWeights.requireSafetensors(file, "lora.safetensors")).doesNotThrowAnyException();
    }

    @Test
    void aHeaderLengthWhoseLowByteIsAPicklesFirstIsSafetensors() throws Exception {
        Path file = Files.write(dir.resolve("d"), new byte[] {(byte) 0x80, 2, 0, 0, 0, 0, 0, 0, '{', '"'});

        assertThatCode(() -> UploadedWeights.requireSafetensors(file, "lora.safetensors")).doesNotThrowAnyException();
    }

    @Test
    void theNameIsTheLastPartOfWhatTheClientSent() {
        assertThat(UploadedWeights.baseName("C:\\Users\\me\\my style.safetensors")).isEqualTo("my style.safetensors");
        assertThat(UploadedWeights.baseName("loras/cat.safetensors")).isEqualTo("cat.safetensors");
        assertThat(UploadedWeights.baseName(null)).isEmpty();
    }
}
