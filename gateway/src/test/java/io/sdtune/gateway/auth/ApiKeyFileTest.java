package io.sdtune.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.contracts.auth.ApiKeyFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiKeyFileTest {
    private static final String KEY = ApiKeyFormat.newKey();

    @TempDir
    Path directory;

    private Path file(String text) throws IOException {
        return Files.writeString(directory.resolve("api-keys"), text);
    }

    @Test
    void eachLineIsATenantAndAKeyHashedMaybeAnAdminsCommentsAndBlankLinesSkipped() throws IOException {
        String admin = ApiKeyFormat.newKey();
        Map<String, KnownKey> keys = ApiKeyFile.read(file("# who may call\n\ntenant-a " + KEY + "\n  ops\t" + admin
                + "  admin  \n"));

        String sha256 = ApiKeyFormat.sha256(KEY);
        assertThat(keys).containsOnlyKeys(sha256, ApiKeyFormat.sha256(admin));
        assertThat(keys.get(sha256)).isEqualTo(new KnownKey("file." + sha256.substring(0, 12), "tenant-a",
                "line 3 of the keys file", false, null));
        assertThat(keys.get(ApiKeyFormat.sha256(admin)).tenant()).isEqualTo("ops");
        assertThat(keys.get(ApiKeyFormat.sha256(admin)).admin()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            tenant-a                         | expected TENANT KEY [admin], found 1 field
            tenant-a KEY admin more          | expected TENANT KEY [admin], found 4 fields
            Tenant/A KEY                     | the tenant (the first field) must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit
            KEY tenant-a                     | the tenant (the first field) must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit
            tenant-a sdt_short               | the key must be sdt_ followed by 43 base64url characters (32 random bytes)
            tenant-a KEY root                | the third field may only be 'admin'
            """)
    void aBadLineStopsTheStartWithItsNumberNeverItsKey(String line, String problem) throws IOException {
        Path file = file("# keys\n" + line.replace("KEY", KEY) + "\n");

        assertThatThrownBy(() -> ApiKeyFile.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("API keys file " + file + ", line 2: " + problem)
                .message().doesNotContain(KEY);
    }

    @Test
    void aKeyTwiceIsNamedByItsLines() throws IOException {
        Path file = file("tenant-a " + KEY + "\ntenant-b " + KEY + "\n");

        assertThatThrownBy(() -> ApiKeyFile.read(file)).hasMessage("API keys file " + file + ", line 2: the same key as line 1");
    }

    @Test
    void aFileThatCannotBeReadIsNamed() {
        Path absent = directory.resolve("absent");

        assertThatThrownBy(() -> ApiKeyFile.read(absent)).hasMessageStartingWith("cannot read the API keys file " + absent
                + " (sdtune.gateway.auth.api-keys-file)");
    }
}
