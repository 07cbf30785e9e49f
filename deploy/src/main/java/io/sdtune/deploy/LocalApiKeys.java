package io.sdtune.deploy;

import io.sdtune.contracts.auth.ApiKeyFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * The API keys of the embedded default: a file of {@code TENANT KEY} lines, as the gateway reads it
 * ({@code sdtune.gateway.auth.api-keys-file}). Unless the user gives one ({@code --api-keys}), it is
 * {@code <data_dir>/api-keys}, made at the first start with one key for the tenant {@value #TENANT}, readable by
 * its owner only - the key is the credential, as a password file holds passwords.
 */
final class LocalApiKeys {
    /** The embedded default's one tenant. */
    static final String TENANT = "local";
    private static final String FILE = "api-keys";

    private LocalApiKeys() {
    }

    /** {@code <dataDir>/api-keys}, made with a new key of {@value #TENANT} when it does not exist yet. */
    static Path ensure(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            Files.createDirectories(dataDir);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, "# sdtune's API keys: TENANT KEY per line (made by bin/sdtune at its first start)\n"
                    + TENANT + " " + ApiKeyFormat.newKey() + "\n", StandardCharsets.UTF_8);
        } catch (FileAlreadyExistsException kept) {
            // made at an earlier start: its key stays valid
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the API keys file " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** The first key of {@code tenant} in the file, if it has one. */
    static Optional<String> keyOf(Path file, String tenant) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.stream().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .map(line -> line.split("\\s+")).filter(fields -> fields.length >= 2 && fields[0].equals(tenant))
                    .map(fields -> fields[1]).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API keys file " + file + ": " + e.getMessage(), e);
        }
    }
}
