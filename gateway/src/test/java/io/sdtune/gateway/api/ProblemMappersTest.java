package io.sdtune.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.core.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemMappersTest {

    @Test
    void aFailureOfTheGatewayIsAProblemBodyToo() {
        Response response = new ProblemMappers().failed(new IllegalStateException("the broker is unreachable"));

        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
        assertThat(response.getEntity()).isEqualTo(Problem.of(500, "Internal Server Error",
                "the gateway failed, try again later: the broker is unreachable", List.of()));
    }
}
