package io.sdtune.contracts.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Keys as the launcher makes them and the gateway takes them. */
class ApiKeyFormatTest {
    @Test
    void aNewKeyIsWellFormedAndUnlikeTheNext() {
        String key = ApiKeyFormat.newKey();

        assertThat(key).startsWith("sdt_").hasSize(47);
        assertThat(ApiKeyFormat.wellFormed(key)).isTrue();
        assertThat(ApiKeyFormat.newKey()).isNotEqualTo(key);
        assertThat(ApiKeyFormat.wellFormed(key + "x")).isFalse();
        assertThat(ApiKeyFormat.isApiKey("eyJhbGciOiJSUzI1NiJ9.e30.sig")).isFalse();
    }

    @Test
    void theHashIsSha256sumsOfTheWholeKey() {
        // printf %s sdt_test | sha256sum
        assertThat(ApiKeyFormat.sha256("sdt_test"))
                .isEqualTo("27a5a84cac4dc9491cfd4f2750b7f620eb8a4be2d3563e1dd29205dba9c0f7b7");
    }
}
