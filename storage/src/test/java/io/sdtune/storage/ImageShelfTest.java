package io.sdtune.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A tenant's image sets: stored, found again whole, deleted. */
class ImageShelfTest {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private final ImageShelf images = new ImageShelf(S3.store());

    @Test
    void aSetIsFoundOnlyWhenEveryImageOfItIsStored() throws IOException {
        StoredFile first = images.put("t1", "req-1", 0, bytes("png 0"));

        assertThat(first.key()).isEqualTo("tenants/t1/images/req-1/0.png");
        assertThat(images.existing("t1", "req-1", 2)).isEmpty();
        StoredFile second = images.put("t1", "req-1", 1, bytes("png 1"));
        assertThat(images.existing("t1", "req-1", 2)).contains(List.of(first, second));
        assertThat(images.existing("t2", "req-1", 1)).isEmpty();
    }

    @Test
    void aDeletedSetIsGone() throws IOException {
        images.put("t1", ImageShelf.validationSet("job-1", 100), 0, bytes("png"));
        try (InputStream in = images.open("t1", "job-1.validation-100", 0)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes("png"));
        }

        images.delete("t1", "job-1.validation-100");

        assertThatThrownBy(() -> images.open("t1", "job-1.validation-100", 0)).isInstanceOf(NoSuchFileException.class);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
