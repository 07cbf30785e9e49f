package io.sdtune.contracts.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Rejections;
import io.sdtune.contracts.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiKeyTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            key_id | absent            | key_id is required
            tenant | absent            | tenant is required
            tenant | "Tenant/A"        | tenant must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, got 'Tenant/A'
            sha256 | "sdt_secret"      | sha256 must be 64 lower-case hexadecimal digits, got 'sdt_secret'
            name   | absent            | name is required
            name   | " "               | name must not be empty
            name   | "ci\\u0007"       | name contains the control character U+0007
            admin  | absent            | admin is required
            admin  | "yes"             | admin must be true or false, got "yes"
            """)
    void eachRuleRejectsABadValueInWords(String field, String value, String problem) {
        assertThat(Rejections.of(Samples.apiKey(), field, value)).containsExactly(problem);
    }

    @Test
    void aNameIsAtMost200Characters() {
        assertThat(Rejections.of(Samples.apiKey(), "name", '"' + "k".repeat(200) + '"')).isEmpty();
        assertThat(Rejections.of(Samples.apiKey(), "name", '"' + "k".repeat(201) + '"'))
                .containsExactly("name is longer than 200 characters (201)");
    }

    @Test
    void itIsKeyedByItsId() {
        assertThat(Samples.apiKey().key()).isEqualTo("key-1");
    }
}
