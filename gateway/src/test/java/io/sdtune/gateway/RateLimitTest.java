package io.sdtune.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The profile's 30 requests per 30 s per client (a token a second), each client its own loopback address, so
 * the other tests of the profile (from 127.0.0.1) keep their own bucket.
 */
@QuarkusTest
@TestProfile(TightLimits.class)
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RateLimitTest {

    private static RawHttp.Answer list(String client) {
        return RawHttp.exchange(client, "GET /api/adapters HTTP/1.1\r\nConnection: close", new byte[0]);
    }

    @Test
    void aClientPastItsRequestsIs429UntilRetryAfterOthersAreNot() throws InterruptedException {
        List<Integer> statuses = new ArrayList<>();
        RawHttp.Answer answer = list("127.0.0.2");
        while (answer.status() == 200 && statuses.size() < 40) {
            statuses.add(answer.status());
            answer = list("127.0.0.2");
        }

        assertThat(statuses).as("the bucket's 30, and what refilled meanwhile").hasSizeBetween(30, 39);
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        assertThat(answer.body()).contains("\"status\":429")
                .contains("rate limit: at most 30 requests per 30 s from one client (127.0.0.2), retry after 1 s");
        assertThat(answer.header("Retry-After")).isEqualTo("1");
        assertThat(list("127.0.0.3").status()).as("another client").isEqualTo(200);

        Thread.sleep(1000 * Long.parseLong(answer.header("Retry-After")));
        assertThat(list("127.0.0.2").status()).as("after Retry-After").isEqualTo(200);
    }
}
