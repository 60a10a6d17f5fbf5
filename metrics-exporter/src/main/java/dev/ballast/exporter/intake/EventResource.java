package dev.ballast.exporter.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code POST /v1/events}: a JSON array of inference, agent-task and vector-search events from
 * applications that cannot be scraped. All or nothing: a batch with any bad event is refused with 400
 * naming each bad event's field, and nothing of it is counted.
 */
@Path("/v1/events")
public class EventResource {

    private final EventAggregator aggregator;
    private final IntakeConfig config;
    private final ObjectMapper mapper;
    private final EventValidator validator = new EventValidator();

    EventResource(EventAggregator aggregator, IntakeConfig config, ObjectMapper mapper) {
        this.aggregator = aggregator;
        this.config = config;
        this.mapper = mapper;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    public Response post(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, byte[] body) {
        if (config.token().isPresent() && !authorized(authorization, config.token().get())) {
            return Response.fromResponse(Problem.response(401, "Unauthorized",
                            "Send the intake token as 'Authorization: Bearer <token>' (ballast.exporter.intake.token).", List.of()))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"ballast-exporter\"").build();
        }
        if (body == null || body.length == 0) {
            return Problem.response(400, "Bad Request", "The body must be a JSON array of events.", List.of());
        }
        if (body.length > config.maxBodyBytes()) {
            return Problem.response(413, "Content Too Large", "The body has " + body.length + " bytes; the limit is "
                    + config.maxBodyBytes() + " (ballast.exporter.intake.max-body-bytes). Send smaller batches.", List.of());
        }
        JsonNode batch;
        try {
            batch = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            return Problem.response(400, "Bad Request", "The body is not valid JSON: " + e.getOriginalMessage(), List.of());
        } catch (IOException e) {
            return Problem.response(400, "Bad Request", "The body could not be read: " + e.getMessage(), List.of());
        }
        if (batch != null && batch.isArray() && batch.size() > config.maxEvents()) {
            return Problem.response(413, "Content Too Large", "The batch has " + batch.size() + " events; the limit is "
                    + config.maxEvents() + " (ballast.exporter.intake.max-events). Send smaller batches.", List.of());
        }
        EventValidator.Result result = validator.validate(batch);
        if (!result.valid()) {
            String detail = result.violations().stream()
                    .map(v -> (v.index() < 0 ? "" : "event " + v.index() + ": ") + v.field() + " " + v.message())
                    .collect(Collectors.joining("; "));
            return Problem.response(400, "Bad Request", "No event of this batch was accepted. " + detail, result.violations());
        }
        aggregator.record(result.events());
        return Response.accepted(Map.of("accepted", result.events().size())).type(MediaType.APPLICATION_JSON).build();
    }

    private static boolean authorized(String header, String token) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
    }
}
