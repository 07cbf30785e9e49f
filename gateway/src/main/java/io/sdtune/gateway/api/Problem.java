package io.sdtune.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 7807 problem body ({@code application/problem+json}); {@code problems} lists every reason a
 * request was refused, each naming its field as the contracts do ({@code hyper_parameters.rank ...}).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<String> problems) {
    public static final String MEDIA_TYPE = "application/problem+json";

    /** No type URI of our own: RFC 7807's "about:blank" means the status says it all. */
    public static Problem of(int status, String title, String detail, List<String> problems) {
        return new Problem("about:blank", title, status, detail, List.copyOf(problems));
    }
}
