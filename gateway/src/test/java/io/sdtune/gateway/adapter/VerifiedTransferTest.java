package io.sdtune.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A verified stream's last chunk is sent only once its end came without a mismatch. */
class VerifiedTransferTest {
    private static final byte[] FILE = new byte[200_000];

    static {
        new Random(1).nextBytes(FILE);
    }

    /** Like storage's verifying stream: its mismatch comes in place of the end. */
    private static InputStream mismatchingAtTheEnd(byte[] bytes) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    throw new IOException("does not match its manifest");
                }
                return n;
            }
        };
    }

    @Test
    void aVerifiedStreamIsCopiedWhole() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThat(VerifiedTransfer.transfer(new ByteArrayInputStream(FILE), out)).isEqualTo(FILE.length);
        assertThat(out.toByteArray()).isEqualTo(FILE);
    }

    @Test
    void onAMismatchTheLastChunkIsNeverSent() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> VerifiedTransfer.transfer(mismatchingAtTheEnd(FILE), out)).hasMessage("does not match its manifest");
        assertThat(out.size()).isLessThan(FILE.length);
    }

    @Test
    void aSmallFileIsHeldWholeUntilVerified() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> VerifiedTransfer.transfer(mismatchingAtTheEnd(new byte[] {1, 2, 3}), out))
                .isInstanceOf(IOException.class);
        assertThat(out.size()).isZero();
    }
}
