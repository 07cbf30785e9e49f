package io.sdtune.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sdtune.contracts.auth.ApiKeyFormat;
import org.junit.jupiter.api.Test;

/**
 * The profile's 30 requests per 30 s per client (a token a second). A client is its key, wherever it calls from,
 * else its address (each test its own loopback addresses); the keys used here are not the other tests' of the
 * profile (tenant-a's), which keep their own buckets.
 */
@QuarkusTest
@TestProfile(TightLimits.class)
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RateLimitTest {

    private static RawHttp.Answer list(String from, String key) {
        return RawHttp.exchange(from, "GET /api/adapters HTTP/1.1\r\nAuthorization: " + Callers.bearer(key)
                + "\r\nConnection: close", new byte[0]);
    }

    /** How many requests were answered {@code status} before one was not, and that one. */
    private record Drained(int answered, RawHttp.Answer next) {
    }

    private static Drained drain(String from, String key, int status) {
        int answered = 0;
        RawHttp.Answer answer = list(from, key);
        while (answer.status() == status && answered < 40) {
            answered++;
            answer = list(from, key);
        }
        return new Drained(answered, answer);
    }

    @Test
    void aKeyPastItsRequestsIs429WhereverItCallsFromUntilRetryAfterOtherKeysAreNot() throws InterruptedException {
        Drained drained = drain("127.0.0.2", Callers.TENANT_B, 200);
        RawHttp.Answer answer = drained.next();

        assertThat(drained.answered()).as("the bucket's 30, and what refilled meanwhile").isBetween(30, 39);
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        String keyId = "file." + ApiKeyFormat.sha256(Callers.TENANT_B).substring(0, 12);
        assertThat(answer.body()).contains("\"status\":429")
                .contains("rate limit: at most 30 requests per 30 s from one client (caller " + keyId + "), retry after 1 s");
        assertThat(answer.header("Retry-After")).isEqualTo("1");
        assertThat(list("127.0.0.3", Callers.TENANT_B).status()).as("the same key from elsewhere").isEqualTo(429);
        assertThat(list("127.0.0.2", Callers.ADMIN).status()).as("another key from the same address").isEqualTo(200);

        Thread.sleep(1000 * Long.parseLong(answer.header("Retry-After")));
        assertThat(list("127.0.0.2", Callers.TENANT_B).status()).as("after Retry-After").isEqualTo(200);
    }

    @Test
    void refusedKeysCountAgainstTheirAddress() {
        String guessed = ApiKeyFormat.newKey();
        Drained drained = drain("127.0.0.4", guessed, 401);

        assertThat(drained.answered()).as("the address's 30 tokens, spent on refusals").isBetween(30, 39);
        assertThat(drained.next().status()).isEqualTo(429);
        assertThat(drained.next().body()).contains("from one client (127.0.0.4)");
        assertThat(list("127.0.0.4", Callers.ADMIN).status()).as("a valid key from there: its own bucket").isEqualTo(200);
    }
}
