package dev.ballast.exporter.intake;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** An RFC 9457 problem detail, with the per-event violations when there are any. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<Violation> errors) {

    static Response response(int status, String title, String detail, List<Violation> errors) {
        Problem problem = new Problem("https://ballast.dev/problems/" + title.toLowerCase().replace(' ', '-'), title, status, detail, errors);
        return Response.status(status).type("application/problem+json").entity(problem).build();
    }
}
