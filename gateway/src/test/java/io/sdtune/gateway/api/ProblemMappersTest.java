package io.sdtune.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class ProblemMappersTest {

    @Test
    void aFailureOfTheGatewayIsAProblemBodyWithAnErrorIdWhichTheLogHasWithTheException() {
        List<LogRecord> logged = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(ProblemMappers.class.getName());
        log.addHandler(handler);
        IllegalStateException failure = new IllegalStateException("cannot reach 10.1.2.3:9092");
        Response response;
        try {
            response = new ProblemMappers().failed(failure);
        } finally {
            log.removeHandler(handler);
        }

        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
        Problem problem = (Problem) response.getEntity();
        assertThat(problem.title()).isEqualTo("Internal Server Error");
        assertThat(problem.detail()).matches("the gateway failed; error id [0-9a-f-]{36} \\(in its log\\), try again later")
                .doesNotContain("10.1.2.3");
        String errorId = problem.detail().substring("the gateway failed; error id ".length(), problem.detail().indexOf(" ("));
        assertThat(logged).singleElement().satisfies(record -> {
            assertThat(record.getMessage()).contains(errorId);
            assertThat(record.getThrown()).isSameAs(failure);
        });
    }
}
