package io.sdtune.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the integration tests keep their files: new folders under {@code target/it/}, kept for a look after a
 * failure and removed by {@code mvn clean}; absolute, as chromedriver's file uploads want.
 */
final class TestDirectories {
    private TestDirectories() {
    }

    static Path create(String prefix) throws IOException {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "it").toAbsolutePath()), prefix);
    }
}
