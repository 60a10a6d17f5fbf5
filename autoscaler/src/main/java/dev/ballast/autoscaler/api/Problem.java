package dev.ballast.autoscaler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ballast.autoscaler.policy.Violation;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** An RFC 9457 problem detail; {@code violations} names each field at fault. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<Violation> violations) {

    static Response response(int status, String title, String detail, List<Violation> violations) {
        Problem problem = new Problem("https://ballast.dev/problems/" + title.toLowerCase().replace(' ', '-'), title,
                status, detail, violations);
        return Response.status(status).type("application/problem+json").entity(problem).build();
    }

    static Response badRequest(List<Violation> violations) {
        return response(400, "Bad Request", violations.size() == 1 ? violations.get(0).toString()
                : violations.size() + " fields are invalid: " + violations.get(0) + "; ...", violations);
    }

    static Response notFound(String detail) {
        return response(404, "Not Found", detail, List.of());
    }
}
