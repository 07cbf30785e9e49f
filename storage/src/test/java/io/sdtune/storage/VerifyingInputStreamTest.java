package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading checks bytes against the SHA-256 and size that were recorded when they were written. */
class VerifyingInputStreamTest {
    private static final byte[] BYTES = "test".getBytes(StandardCharsets.US_ASCII);
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final StoredFile FILE = new StoredFile("adapters/a/w.safetensors", SHA, 4);

    @Test
    void theRecordedHashIsTheSha256OfTheBytes() throws IOException {
        Sha256InputStream in = new Sha256InputStream(new ByteArrayInputStream(BYTES));
        in.transferTo(OutputStream.nullOutputStream());

        assertThat(in.count()).isEqualTo(4);
        assertThat(in.sha256()).isEqualTo(SHA);
    }

    @Test
    void matchingBytesReadToTheEnd() throws IOException {
        try (InputStream in = new VerifyingInputStream(new ByteArrayInputStream(BYTES), FILE)) {
            assertThat(in.readAllBytes()).isEqualTo(BYTES);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void changedBytesFailNamingTheKeyAndBothHashes() {
        byte[] tampered = "tesT".getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> new VerifyingInputStream(new ByteArrayInputStream(tampered), FILE).readAllBytes())
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("object adapters/a/w.safetensors does not match its manifest")
                .hasMessageContaining("expected 4 bytes with sha256 " + SHA)
                .hasMessageMatching(".*found sha256 [0-9a-f]{64}");
    }

    @Test
    void shortAndLongObjectsFail() {
        assertThatThrownBy(() -> new VerifyingInputStream(new ByteArrayInputStream(BYTES, 0, 3), FILE).readAllBytes())
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("found 3 bytes with sha256 ");
        assertThatThrownBy(() -> new VerifyingInputStream(new ByteArrayInputStream("tests".getBytes()), FILE).readAllBytes())
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("found more than 4 bytes");
    }

    @Test
    void skippedBytesAreStillHashed() throws IOException {
        try (InputStream in = new VerifyingInputStream(new ByteArrayInputStream(BYTES), FILE)) {
            assertThat(in.skip(2)).isEqualTo(2);
            assertThat(in.readAllBytes()).hasSize(2);
        }
    }
}
